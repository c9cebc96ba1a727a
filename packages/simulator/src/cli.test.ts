import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { runCli } from './cli-main.js';
import { SimulatorOptionsError } from './errors.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url));

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
    },
    out: () => out,
    err: () => err,
  };
}

describe('brace-sim arguments', () => {
  it('maps every flag to provider options', () => {
    const parsed = parseCliArgs([
      '--preset',
      'github',
      '--port',
      '8080',
      '--host',
      '0.0.0.0',
      '--seed',
      '3',
      '--limit',
      '5',
      '--window-ms',
      '2000',
      '--fault',
      'error=0.1',
      '--fault',
      'drop=0.05',
      '--script',
      'POST /v1/charges=503,drop,200',
      '--oauth',
      '--webhook-url',
      'http://127.0.0.1:3000/hooks',
      '--webhook-secret',
      's',
    ]);
    expect(parsed).toEqual({
      help: false,
      options: {
        preset: 'github',
        port: 8080,
        host: '0.0.0.0',
        seed: 3,
        rateLimit: { limit: 5, windowMs: 2000 },
        faults: { error: 0.1, drop: 0.05, script: { 'POST /v1/charges': [503, 'drop', 200] } },
        oauth: true,
        webhooks: { url: 'http://127.0.0.1:3000/hooks', secret: 's' },
        control: true,
      },
    });
    expect(parseCliArgs(['--no-rate-limit'])).toMatchObject({
      options: { rateLimit: false, port: 0 },
    });
    expect(parseCliArgs(['--limit', '7'])).toMatchObject({
      options: { rateLimit: { limit: 7, windowMs: 60_000 } },
    });
    expect(parseCliArgs(['--window-ms', '9'])).toMatchObject({
      options: { rateLimit: { limit: 60, windowMs: 9 } },
    });
    expect(parseCliArgs(['--webhook-url', 'http://x'])).toMatchObject({
      options: { webhooks: { url: 'http://x', secret: '' } },
    });
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
  });

  it('--limit or --window-ms alone keeps the other from the preset, as --help says', () => {
    expect(parseCliArgs(['--preset', 'github', '--limit', '100'])).toMatchObject({
      options: { rateLimit: { limit: 100, windowMs: 3_600_000 } },
    });
    expect(parseCliArgs(['--preset', 'stripe', '--window-ms', '2000'])).toMatchObject({
      options: { rateLimit: { limit: 25, windowMs: 2000 } },
    });
    expect(parseCliArgs(['--preset', 'nope', '--limit', '3'])).toMatchObject({
      options: { preset: 'nope', rateLimit: { limit: 3, windowMs: 60_000 } },
    });
  });

  it.each([
    ['--port', 'x'],
    ['--fault', 'boom=1'],
    ['--fault', 'error'],
    ['--script', 'nothing'],
    ['--bogus'],
  ])('refuses %s %s', (...argv) => {
    expect(() => parseCliArgs(argv)).toThrow(SimulatorOptionsError);
  });

  it('runCli prints help, refuses bad options with code 2, and starts a provider', async () => {
    const help = capture();
    expect(await runCli(['--help'], help.io)).toEqual({ code: 0 });
    expect(help.out()).toContain('Usage: brace-sim');
    const bad = capture();
    expect((await runCli(['--preset', 'acme'], bad.io)).code).toBe(2);
    expect(bad.err()).toContain('brace-sim: preset must be');
    const ok = capture();
    const { provider } = await runCli(['--preset', 'slack'], ok.io);
    expect(ok.out()).toBe(`brace-sim: slack provider listening on ${provider?.url}\n`);
    await provider?.close();
  });
});

describe('brace-sim as a child process', () => {
  it('serves the preset, answers control endpoints, and stops on SIGTERM', {
    timeout: 30_000,
  }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, '--preset', 'github', '--port', '0', '--limit', '2'],
      {
        env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += String(chunk);
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const first = await fetch(`${url}/repos/o/r`);
      expect(first.headers.get('x-ratelimit-limit')).toBe('2');
      await fetch(`${url}/repos/o/r`);
      expect((await fetch(`${url}/repos/o/r`)).status).toBe(403);
      const script = await fetch(`${url}/_sim/script`, {
        method: 'POST',
        body: JSON.stringify({ route: 'GET /x', steps: [503] }),
      });
      expect(script.status).toBe(200);
      expect(
        (await fetch(`${url}/_sim/script`, { method: 'POST', body: '{"route":"bad"}' })).status,
      ).toBe(400);
      expect((await fetch(`${url}/_sim/nothing`)).status).toBe(404);
      const ledger = (await (await fetch(`${url}/_sim/ledger`)).json()) as Record<string, unknown>;
      expect(ledger).toMatchObject({ requests: 3, rateLimited: 1, overLimit: 1 });
      expect(ledger.transcript).toBeUndefined();
      const full = (await (await fetch(`${url}/_sim/ledger?transcript=1`)).json()) as {
        transcript: unknown[];
      };
      expect(full.transcript).toHaveLength(3);
    } finally {
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
