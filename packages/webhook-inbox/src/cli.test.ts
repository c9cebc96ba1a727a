import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './cli-run.js';
import { memoryInboxStore } from './memory-store.js';
import { sqliteInboxStore } from './sqlite.js';
import type { InboxStore } from './store.js';
import { T0 } from './test-utils/fixtures.js';

async function withDead(store: InboxStore, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    await store.insert({
      provider: 'stripe',
      eventId: id,
      type: 'invoice.paid',
      payload: '{"secret":"body"}',
      receivedAt: T0 + i,
      orderAt: T0,
      source: 'delivery',
    });
  }
  for (const event of await store.claim({
    worker: 'w',
    now: T0 + 100,
    leaseMs: 1_000,
    limit: 100,
    ordered: false,
  })) {
    await store.settle(
      event.id,
      event.lease,
      { status: 'dead', error: { attempt: 1, at: T0, name: 'Error', message: 'downstream 500' } },
      T0,
    );
  }
}

function run(store: InboxStore, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const [positionals, flags] = [
    args.filter((a) => !a.startsWith('--')),
    Object.fromEntries(
      args
        .filter((a) => a.startsWith('--'))
        .map((a) => {
          const [k, v] = a.slice(2).split('=');
          return [k, v ?? true];
        }),
    ),
  ];
  return runCli(
    positionals,
    flags,
    async () => ({ store, close: async () => {} }),
    (l) => out.push(l),
    (l) => err.push(l),
  ).then((code) => ({ code, out, err }));
}

describe('brace-inbox dlq', () => {
  it('lists, shows, replays and discards dead letters', async () => {
    const store = memoryInboxStore();
    await withDead(store, ['a', 'b', 'c']);
    const list = await run(store, 'dlq', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toHaveLength(3);
    expect(list.out[0]).toMatch(/^stripe:a\tinvoice\.paid\t.*\t1 attempts\tError: downstream 500$/);
    const json = await run(store, 'dlq', 'list', '--json', '--provider=stripe');
    expect(JSON.parse(json.out[0]!)).toHaveLength(3);
    expect(json.out[0]).not.toContain('secret'); // payloads stay out of listings
    expect((await run(store, 'dlq', 'show', 'stripe:a')).out[0]).toContain('"status": "dead"');
    expect((await run(store, 'dlq', 'replay', 'stripe:a')).out).toEqual(['1 replayed']);
    expect(
      (
        await run(
          store,
          'dlq',
          'replay',
          `--since=${new Date(T0 + 1).toISOString()}`,
          `--until=${T0 + 2}`,
        )
      ).out,
    ).toEqual(['1 replayed']);
    expect((await run(store, 'dlq', 'discard', 'stripe:c')).out).toEqual(['1 discarded']);
    expect((await store.get('stripe:b'))?.status).toBe('pending');
  });

  it('says when a listing stopped at its 1,000-letter page instead of passing it off as the count', async () => {
    const store = memoryInboxStore();
    const ids = Array.from({ length: 1_001 }, (_, i) => `m${i}`);
    for (let i = 0; i < ids.length; i += 100) await withDead(store, ids.slice(i, i + 100));
    const list = await run(store, 'dlq', 'list');
    expect(list.out).toHaveLength(1_000);
    expect(list.err).toEqual([
      'the first 1000 dead letter(s); there may be more: narrow with --since, --until, --provider or --type',
    ]);
    expect((await run(store, 'dlq', 'list', '--provider=other')).err).toEqual(['0 dead letter(s)']);
  });

  it('answers usage errors with exit code 2 and bad input with 1', async () => {
    const store = memoryInboxStore();
    expect((await run(store, 'nope')).code).toBe(2);
    expect((await run(store, '--help')).code).toBe(0);
    expect((await run(store, 'dlq', 'replay')).err[0]).toMatch(/needs ids/);
    expect((await run(store, 'dlq', 'show')).code).toBe(1);
    expect((await run(store, 'dlq', 'show', 'stripe:none')).err[0]).toMatch(/no event/);
    expect((await run(store, 'dlq', 'list', '--since=yesterday')).err[0]).toMatch(
      /--since must be/,
    );
  });

  describe('as a process, on a SQLite file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brace-inbox-cli-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('replays a dead letter', async () => {
      const file = join(dir, 'inbox.db');
      const database = new DatabaseSync(file);
      await withDead(sqliteInboxStore({ database }), ['x']);
      database.close();
      const root = fileURLToPath(new URL('../../../', import.meta.url));
      const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
      const exec = promisify(execFile);
      const env = { ...process.env, TSX_TSCONFIG_PATH: `${root}tsconfig.base.json` };
      const list = await exec(
        process.execPath,
        ['--import', 'tsx', cli, 'dlq', 'list', '--sqlite', file],
        { cwd: root, env },
      );
      expect(list.stdout).toMatch(/^stripe:x\t/);
      const replay = await exec(
        process.execPath,
        ['--import', 'tsx', cli, 'dlq', 'replay', 'stripe:x', '--sqlite', file],
        { cwd: root, env },
      );
      expect(replay.stdout).toBe('1 replayed\n');
      await expect(
        exec(process.execPath, ['--import', 'tsx', cli, 'dlq', 'list'], { cwd: root, env }),
      ).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--sqlite FILE or --postgres URL'),
      });
    });
  });
});

describe('main (argv → exit code)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brace-inbox-main-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('parses arguments, opens the SQLite store and prints', async () => {
    const { main } = await import('./cli-run.js');
    const written: string[] = [];
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const file = join(dir, 'main.db');
      // A path with no file is an error, not an empty queue, and no file is left behind.
      expect(await main(['dlq', 'list', '--sqlite', file])).toBe(1);
      expect(written).toEqual([
        `brace-inbox: no SQLite file at ${file}: check the path (the CLI never creates one)\n`,
      ]);
      expect(existsSync(file)).toBe(false);
      written.length = 0;
      new DatabaseSync(file).close();
      expect(await main(['dlq', 'list', '--sqlite', file, '--table', 'custom'])).toBe(0);
      expect(written).toEqual(['0 dead letter(s)\n']);
      expect(await main(['dlq', 'list', '--bogus'])).toBe(2);
      expect(await main(['dlq', 'list', '--postgres', 'postgres://127.0.0.1:1/none'])).toBe(1);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
