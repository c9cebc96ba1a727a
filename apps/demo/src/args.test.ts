import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

import { DEFAULTS, parseDemoArgs, UsageError } from './args.js';

// Imported dynamically, after vitest's `#crypto` alias (vitest.shared.ts) is in place.
const { cli, reportLine } = await import('./cli.js');

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('parseDemoArgs', () => {
  it('applies the defaults', () => {
    expect(parseDemoArgs([])).toEqual({ help: false, options: DEFAULTS });
  });

  it('reads every flag', () => {
    const { options } = parseDemoArgs([
      '--links',
      '200',
      '--seed',
      '7',
      '--rate',
      '50',
      '--failure-rate',
      '0.2',
      '--store',
      'memory',
      '--quiet',
      '--json',
      '--report',
      'r.html',
      '--x-ratelimit',
    ]);
    expect(parseDemoArgs(['--store', 'redis', '--workers', '3']).options).toMatchObject({
      store: 'redis',
      workers: 3,
    });
    expect(options).toEqual({
      links: 200,
      seed: 7,
      rate: 50,
      failureRate: 0.2,
      store: 'memory',
      quiet: true,
      json: true,
      report: 'r.html',
      legacyHeaders: true,
      workers: 1,
    });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--links'], /argument missing/],
    [['--links', 'ten'], /--links must be an integer from 1 to 100000, got "ten"/],
    [['--links', '0'], /--links must be an integer/],
    [['--links', '2.5'], /--links must be an integer/],
    [['--rate=-3'], /--rate must be an integer from 1 to 10000/],
    [['--failure-rate', '0.9'], /--failure-rate must be a number from 0 to 0.5/],
    [['--failure-rate', ''], /--failure-rate must be a number/],
    [['--store', 'mongo'], /--store must be one of memory, sqlite, redis, postgres, got "mongo"/],
    [['--seed', '1e3'], /--seed must be an integer/],
    [['--report', ' '], /--report needs a file path/],
    [['extra'], /positional/i],
    [['--workers', '9', '--store', 'redis'], /--workers must be an integer from 1 to 8/],
    [['--workers', '2'], /--workers above 1 needs --store redis or postgres/],
    [['--workers', '2', '--store', 'sqlite'], /needs --store redis or postgres/],
  ])('rejects %j with a clear message', (argv, message) => {
    const attempt = () => parseDemoArgs(argv);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });
});

describe('cli', () => {
  it('exits 2 on a bad flag, with the message on stderr and nothing on stdout', async () => {
    const out = sink();
    const err = sink();
    expect(await cli(['--links', 'lots'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toContain('--links must be an integer');
    expect(err.text()).toContain('--help');
    expect(out.text()).toBe('');
  });

  it('exits 2 on an unknown flag', async () => {
    const err = sink();
    expect(await cli(['--fast'], sink().stream, err.stream)).toBe(2);
    expect(err.text()).toContain("Unknown option '--fast'");
  });

  it('exits 2 when --store redis has no REDIS_URL', async () => {
    vi.stubEnv('REDIS_URL', '');
    const err = sink();
    try {
      expect(await cli(['--store', 'redis', '--links', '5'], sink().stream, err.stream)).toBe(2);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(err.text()).toContain('--store redis needs REDIS_URL');
  });

  it('ends a default run with how to get the --report, and a --json run with the JSON only', {
    timeout: 60_000,
  }, async () => {
    const out = sink();
    const run = ['--links', '5', '--rate', '50', '--store', 'memory', '--quiet'];
    expect([0, 1]).toContain(await cli(run, out.stream, sink().stream));
    expect(out.text().endsWith(reportLine(undefined))).toBe(true);
    expect(reportLine(undefined)).toContain('--report report.html');
    const json = sink();
    await cli([...run, '--json'], json.stream, sink().stream);
    expect(json.text()).not.toContain('--report');
    expect(() => JSON.parse(json.text())).not.toThrow();
    expect(reportLine('/tmp/r.html')).toBe('  report written to /tmp/r.html\n');
  });

  it('prints the usage for --help and exits 0', async () => {
    const out = sink();
    expect(await cli(['--', '--help'], out.stream, sink().stream)).toBe(0);
    expect(out.text()).toContain('--failure-rate');
  });
});
