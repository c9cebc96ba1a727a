import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxStoreError } from './errors.js';
import { type InboxPostgresClient, postgresInboxStore } from './postgres.js';
import { type InboxSqliteDatabase, sqliteInboxStore } from './sqlite.js';
import { randomTable, serverUrl } from './test-utils/env.js';
import { expectBatchDedupe, newEvent, outcomes } from './test-utils/fixtures.js';

const event = newEvent;

describe('SQLite group commit and synchronous', () => {
  /** A database that counts transactions and can fail the next COMMIT. */
  function counting() {
    const database = new DatabaseSync(':memory:');
    const seen = { begins: 0, failCommit: false };
    const wrapped: InboxSqliteDatabase = {
      exec(text) {
        if (text === 'BEGIN IMMEDIATE') seen.begins++;
        if (text === 'COMMIT' && seen.failCommit) throw new Error('disk I/O error');
        return database.exec(text);
      },
      prepare: (text) => database.prepare(text) as ReturnType<InboxSqliteDatabase['prepare']>,
    };
    return { database, wrapped, seen };
  }

  it('stores deliveries of one turn in one transaction; a duplicate in the batch is a duplicate', async () => {
    const { wrapped, seen } = counting();
    const store = sqliteInboxStore({ database: wrapped });
    await expectBatchDedupe(store);
    expect(seen.begins).toBe(1);
  });

  it('a row that fails alone fails only its delivery; a failed commit fails the whole batch', async () => {
    const { wrapped, seen } = counting();
    const store = sqliteInboxStore({ database: wrapped });
    const bad = { ...event('bad'), payload: undefined as unknown as string };
    const results = await Promise.allSettled([store.insert(event('x')), store.insert(bad)]);
    expect(outcomes(results)).toEqual(['inserted', 'INBOX_STORE_FAILED']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InboxStoreError);
    seen.failCommit = true;
    const failed = await Promise.allSettled([store.insert(event('y')), store.insert(event('z'))]);
    expect(outcomes(failed)).toEqual(['INBOX_STORE_FAILED', 'INBOX_STORE_FAILED']);
    seen.failCommit = false;
    expect(await store.get('stripe:y')).toBeUndefined(); // rolled back: never acknowledged, not stored
    expect(await store.insert(event('y'))).toBe('inserted');
    // A batch of one needs no transaction; false commits each insert alone.
    const single = counting();
    const alone = sqliteInboxStore({ database: single.wrapped, groupCommit: false });
    await Promise.all([alone.insert(event('p')), alone.insert(event('q'))]);
    expect(single.seen.begins).toBe(0);
  });

  it('sets synchronous when asked, leaves it alone otherwise, and refuses other values', () => {
    const read = (database: DatabaseSync) =>
      (database.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous;
    const normal = new DatabaseSync(':memory:');
    sqliteInboxStore({ database: normal, synchronous: 'NORMAL' });
    expect(read(normal)).toBe(1);
    const full = new DatabaseSync(':memory:');
    full.exec('PRAGMA synchronous = OFF');
    sqliteInboxStore({ database: full });
    expect(read(full)).toBe(0); // untouched
    sqliteInboxStore({ database: full, synchronous: 'FULL' });
    expect(read(full)).toBe(2);
    expect(() =>
      sqliteInboxStore({ database: new DatabaseSync(':memory:'), synchronous: 'OFF' as never }),
    ).toThrow(/synchronous must be 'FULL' or 'NORMAL'/);
    expect(() =>
      sqliteInboxStore({ database: new DatabaseSync(':memory:'), groupCommit: { maxRows: 0 } }),
    ).toThrow(/groupCommit.maxRows/);
  });
});

const url = serverUrl('DATABASE_URL', 'PostgreSQL group commit');
describe.skipIf(!url)('PostgreSQL group commit', () => {
  let pool: pg.Pool;
  const tables: string[] = [];
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
  });
  afterAll(async () => {
    for (const t of tables) await pool.query(`DROP TABLE IF EXISTS "${t}", "${t}_watermarks"`);
    await pool.end();
  });
  /** A store on a new table whose client counts inserting statements. */
  function counted(options: { groupCommit?: false } = {}) {
    const table = randomTable('gc');
    tables.push(table);
    const counts = { inserts: 0 };
    const client: InboxPostgresClient = {
      query: (text, params) => {
        if (text.startsWith('INSERT INTO')) counts.inserts++;
        return pool.query(text, params);
      },
    };
    return { store: postgresInboxStore({ client, table, ...options }), counts };
  }

  it('stores concurrent deliveries with one statement, each answered with its own outcome', async () => {
    const { store, counts } = counted();
    expect(await store.insert(event('old'))).toBe('inserted');
    counts.inserts = 0;
    const ids = ['a', 'b', 'a', 'old', ...Array.from({ length: 20 }, (_, i) => `n${i}`)];
    const results = await Promise.allSettled(ids.map((id) => store.insert(event(id))));
    expect(outcomes(results)).toEqual([
      'inserted',
      'inserted',
      'duplicate',
      'duplicate',
      ...Array.from({ length: 20 }, () => 'inserted'),
    ]);
    expect(counts.inserts).toBe(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${tables.at(-1)}"`);
    expect(rows[0]).toEqual({ n: 23 });
    expect((await store.get('stripe:n7'))?.status).toBe('pending');
  });

  it('a row PostgreSQL refuses (a NUL byte) fails only its own delivery', async () => {
    const { store } = counted();
    const results = await Promise.allSettled([
      store.insert(event('ok1')),
      store.insert(event('nul', '{"x":"\u0000"}')),
      store.insert(event('ok2')),
    ]);
    expect(outcomes(results)).toEqual(['inserted', 'INBOX_STORE_FAILED', 'inserted']);
    expect((await store.get('stripe:ok2'))?.status).toBe('pending');
    expect(await store.get('stripe:nul')).toBeUndefined();
  });

  it('groupCommit: false sends one statement per delivery', async () => {
    const { store, counts } = counted({ groupCommit: false });
    await store.insert(event('warm'));
    counts.inserts = 0;
    await Promise.all(['a', 'b', 'c'].map((id) => store.insert(event(id))));
    expect(counts.inserts).toBe(3);
    expect(() => postgresInboxStore({ client: pool, groupCommit: { concurrency: 0 } })).toThrow(
      /groupCommit.concurrency/,
    );
  });
});
