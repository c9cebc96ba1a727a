import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { manualClock } from '@brace/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheOptionError, CacheStoreError, createCache } from './index.js';
import { sqliteStore } from './sqlite.js';
import { runCacheStoreConformance } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'brace-cache-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = manualClock({ now: 1_000 });
runCacheStoreConformance(
  'sqliteStore (node:sqlite, manual clock)',
  () => sqliteStore({ database: new DatabaseSync(':memory:'), clock, sweepEvery: 2 }),
  { clock },
);
runCacheStoreConformance(
  'sqliteStore (file, real time)',
  () => sqliteStore({ database: new DatabaseSync(join(dir, 'c.db')), table: 'http_cache' }),
  { shortTtlMs: 250 },
);

describe('sqliteStore', () => {
  it('two connections to one file share entries and locks (two processes in production)', async () => {
    const file = join(dir, 'shared.db');
    const a = sqliteStore({ database: new DatabaseSync(file) });
    const b = sqliteStore({ database: new DatabaseSync(file) });
    const token = a.lock?.('k', 10_000);
    expect(token).toBeTypeOf('string');
    expect(b.lock?.('k', 10_000)).toBeUndefined();
    const cacheA = createCache({ store: a });
    const cacheB = createCache({ store: b });
    let calls = 0;
    const origin = async () => {
      calls++;
      return new Response('shared', { headers: { 'cache-control': 'max-age=60' } });
    };
    a.unlock?.('k', token as string);
    await (await cacheA.handle(new Request('https://x.test/a'), origin)).text();
    const hit = await cacheB.handle(new Request('https://x.test/a'), origin);
    expect(hit.headers.get('brace-cache')).toBe('fresh');
    expect(calls).toBe(1);
  });

  it('wraps driver failures in CacheStoreError, and the cache still answers', async () => {
    const database = new DatabaseSync(':memory:');
    const store = sqliteStore({ database });
    database.close();
    expect(() => store.get('k')).toThrow(CacheStoreError);
    const events: string[] = [];
    const cache = createCache({ store, onStoreError: (e) => events.push(e.operation) });
    const answer = await cache.handle(
      new Request('https://x.test/b'),
      async () => new Response('ok', { headers: { 'cache-control': 'max-age=60' } }),
    );
    expect(await answer.text()).toBe('ok');
    expect(events).toEqual(['get', 'lock', 'set']);
  });

  it('rejects bad options', () => {
    expect(() => sqliteStore({ database: {} as never })).toThrow(CacheOptionError);
    expect(() => sqliteStore({ database: new DatabaseSync(':memory:'), table: 'x; DROP' })).toThrow(
      /table/,
    );
    expect(() => sqliteStore({ database: new DatabaseSync(':memory:'), sweepEvery: 0 })).toThrow(
      /sweepEvery/,
    );
    expect(() =>
      sqliteStore({
        database: {
          prepare: () => {
            throw new Error('read-only');
          },
        },
      }),
    ).toThrow(CacheStoreError);
  });
});
