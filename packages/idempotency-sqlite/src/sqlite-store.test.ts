import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isBraceError, manualClock } from '@brace/core';
import { IdempotencyOptionError } from '@brace/idempotency';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SQLITE_TABLE,
  IdempotencyStoreError,
  SQLITE_SCHEMA,
  type SqliteDatabase,
  sqliteSchema,
  sqliteStore,
} from './index.js';

const LONG = { lockTtlMs: 60_000, ttlMs: 86_400_000 };
const where = { scope: 'tenant-1 POST /orders', key: 'key-1' };
const body = new Uint8Array([0, 1, 2, 253, 254, 255]);
const stored = {
  status: 201,
  headers: [['content-type', 'application/json']] as Array<[string, string]>,
  body,
};

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brace-sqlite-'));
  file = join(dir, 'idempotency.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<IdempotencyStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdempotencyStoreError);
  return error as IdempotencyStoreError;
}

describe('schema and migrate', () => {
  it('exports the default schema as one script and per-table statements', () => {
    expect(DEFAULT_SQLITE_TABLE).toBe('brace_idempotency');
    expect(SQLITE_SCHEMA).toContain('CREATE TABLE IF NOT EXISTS "brace_idempotency"');
    expect(SQLITE_SCHEMA).toContain('PRIMARY KEY (scope, key)');
    expect(SQLITE_SCHEMA).toContain(
      '"brace_idempotency_expires_at" ON "brace_idempotency" (expires_at)',
    );
    const custom = sqliteSchema('orders_idem');
    expect(custom).toHaveLength(2);
    expect(custom.join('\n')).toContain('"orders_idem_expires_at"');
    // The exported script really runs.
    const db = new DatabaseSync(':memory:');
    db.exec(SQLITE_SCHEMA);
    const columns = db.prepare(`SELECT name FROM pragma_table_info('brace_idempotency')`).all();
    expect(columns.map((c) => c.name)).toEqual([
      'scope',
      'key',
      'fingerprint',
      'status',
      'owner_token',
      'locked_until',
      'expires_at',
      'response_status',
      'response_headers',
      'response_body',
      'created_at',
    ]);
    db.close();
  });

  it('migrate is idempotent and creates the table and its index', async () => {
    const db = new DatabaseSync(':memory:');
    const store = sqliteStore({ database: db, table: 'idem' });
    await store.migrate();
    await store.migrate();
    const objects = db
      .prepare(`SELECT type, name FROM sqlite_master WHERE tbl_name = 'idem' ORDER BY type`)
      .all();
    expect(objects).toEqual([
      { type: 'index', name: 'idem_expires_at' },
      { type: 'table', name: 'idem' },
    ]);
    db.close();
  });

  it('rejects a bad table name or database at construction, naming the option', () => {
    const db = new DatabaseSync(':memory:');
    for (const table of ['', 'a-b', 'x"; DROP TABLE y; --', '1abc', 'a'.repeat(64)]) {
      expect(() => sqliteStore({ database: db, table })).toThrow(IdempotencyOptionError);
      expect(() => sqliteSchema(table)).toThrow(/`table`/);
    }
    expect(() => sqliteStore({ database: db, table: 'a'.repeat(63) })).not.toThrow();
    expect(() => sqliteStore({ database: undefined as unknown as SqliteDatabase })).toThrow(
      /`database`/,
    );
    expect(() => sqliteStore({ database: {} as SqliteDatabase })).toThrow(IdempotencyOptionError);
    db.close();
  });

  it('reports a missing table as IdempotencyStoreError, and works once migrated', async () => {
    const db = new DatabaseSync(':memory:');
    const store = sqliteStore({ database: db });
    const error = await rejection(store.begin(where, 'fp', LONG));
    expect(error.code).toBe('IDEMPOTENCY_STORE_ERROR');
    expect(error.operation).toBe('begin');
    expect(error.message).toContain('run migrate() first');
    expect(String((error.cause as Error).message)).toContain('no such table');
    expect(isBraceError(error, 'IDEMPOTENCY_STORE_ERROR')).toBe(true);
    await store.migrate();
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');
    db.close();
  });
});

describe('stored rows', () => {
  it('keeps integer-millisecond times from the injected clock and clears the token on complete', async () => {
    const db = new DatabaseSync(':memory:');
    const clock = manualClock({ now: 1_000 });
    const store = sqliteStore({ database: db, clock });
    await store.migrate();
    const begun = await store.begin(where, 'fp', { lockTtlMs: 100, ttlMs: 5_000 });
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    const row = () => db.prepare('SELECT * FROM brace_idempotency').get();
    expect(row()).toMatchObject({
      status: 'in-progress',
      owner_token: begun.token,
      locked_until: 1_100,
      expires_at: 6_000,
      created_at: 1_000,
    });
    await clock.advance(50);
    expect(await store.complete(where, begun.token, stored, { ttlMs: 10_000 })).toBe(true);
    expect(row()).toMatchObject({
      status: 'completed',
      owner_token: null,
      response_status: 201,
      response_headers: '[["content-type","application/json"]]',
      expires_at: 11_050,
      created_at: 1_000,
    });
  });

  it('ttlMs shorter than lockTtlMs keeps the record for the lock at least', async () => {
    const db = new DatabaseSync(':memory:');
    const clock = manualClock({ now: 0 });
    const store = sqliteStore({ database: db, clock });
    await store.migrate();
    await store.begin(where, 'fp', { lockTtlMs: 1_000, ttlMs: 10 });
    await clock.advance(500);
    expect(await store.begin(where, 'fp', { lockTtlMs: 1_000, ttlMs: 10 })).toEqual({
      status: 'in-progress',
      retryAfterMs: 500,
    });
  });

  it('an expired completed record is replaced by a fresh claim with a new created_at', async () => {
    const db = new DatabaseSync(':memory:');
    const clock = manualClock({ now: 0 });
    const store = sqliteStore({ database: db, clock });
    await store.migrate();
    const first = await store.begin(where, 'fp-a', LONG);
    if (first.status !== 'acquired') throw new Error('expected acquired');
    await store.complete(where, first.token, stored, { ttlMs: 1_000 });
    await clock.advance(1_000);
    expect((await store.begin(where, 'fp-b', LONG)).status).toBe('acquired');
    expect(db.prepare('SELECT * FROM brace_idempotency').get()).toMatchObject({
      fingerprint: 'fp-b',
      status: 'in-progress',
      response_status: null,
      response_body: null,
      created_at: 1_000,
    });
  });
});

describe('sweep', () => {
  it('deletes only expired rows and reports how many', async () => {
    const db = new DatabaseSync(':memory:');
    const clock = manualClock({ now: 0 });
    const store = sqliteStore({ database: db, clock });
    await store.migrate();
    for (let i = 0; i < 5; i++) {
      await store.begin({ scope: 's', key: `short-${i}` }, 'fp', { lockTtlMs: 10, ttlMs: 100 });
    }
    await store.begin({ scope: 's', key: 'long' }, 'fp', LONG);
    expect(await store.sweep()).toBe(0);
    await clock.advance(100);
    expect(await store.sweep()).toBe(5);
    expect(await store.sweep()).toBe(0);
    const left = db.prepare('SELECT key FROM brace_idempotency').all();
    expect(left).toEqual([{ key: 'long' }]);
  });
});

describe('durability', () => {
  it('a completed record survives closing and reopening the file, byte for byte', async () => {
    const before = new DatabaseSync(file);
    const writer = sqliteStore({ database: before });
    await writer.migrate();
    const begun = await writer.begin(where, 'fp', LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    expect(await writer.complete(where, begun.token, stored, { ttlMs: 86_400_000 })).toBe(true);
    before.close();

    const after = new DatabaseSync(file);
    const reader = sqliteStore({ database: after });
    const replay = await reader.begin(where, 'fp', LONG);
    expect(replay).toEqual({ status: 'completed', record: stored });
    if (replay.status === 'completed')
      expect(Object.getPrototypeOf(replay.record.body)).toBe(Uint8Array.prototype);
    expect((await reader.begin(where, 'other-fp', LONG)).status).toBe('mismatch');
    after.close();
  });

  it('an in-progress claim survives a crash: held until lockTtlMs, then taken over once', async () => {
    const clock = manualClock({ now: 0 });
    const crashed = new DatabaseSync(file);
    const first = sqliteStore({ database: crashed, clock });
    await first.migrate();
    const begun = await first.begin(where, 'fp', { lockTtlMs: 1_000, ttlMs: 60_000 });
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    crashed.close(); // the process dies before complete

    const reopened = new DatabaseSync(file);
    const second = sqliteStore({ database: reopened, clock });
    expect(await second.begin(where, 'fp', LONG)).toEqual({
      status: 'in-progress',
      retryAfterMs: 1_000,
    });
    await clock.advance(1_000);
    const results = await Promise.all([1, 2, 3].map(() => second.begin(where, 'fp', LONG)));
    expect(results.map((r) => r.status).sort()).toEqual(['acquired', 'in-progress', 'in-progress']);
    expect(await second.complete(where, begun.token, stored, { ttlMs: 60_000 })).toBe(false);
    reopened.close();
  });

  it('two connections on one file share the records', async () => {
    const a = new DatabaseSync(file);
    const b = new DatabaseSync(file);
    const storeA = sqliteStore({ database: a });
    const storeB = sqliteStore({ database: b });
    await storeA.migrate();
    const begun = await storeA.begin(where, 'fp', LONG);
    expect((await storeB.begin(where, 'fp', LONG)).status).toBe('in-progress');
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    expect(await storeB.release(where, begun.token)).toBe(true);
    expect((await storeA.begin(where, 'fp', LONG)).status).toBe('acquired');
    a.close();
    b.close();
  });
});
