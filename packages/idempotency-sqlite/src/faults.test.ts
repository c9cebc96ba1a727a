import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { manualClock } from '@brace/core';
import { createIdempotency, IdempotencyStoreError as SharedStoreError } from '@brace/idempotency';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyStoreError, type SqliteDatabase, sqliteStore } from './index.js';

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
  // One class for every adapter, exported by @brace/idempotency.
  expect(error).toBeInstanceOf(SharedStoreError);
  expect((error as IdempotencyStoreError).store).toBe('SQLite');
  return error as IdempotencyStoreError;
}

describe('faults', () => {
  it('a connection lost between begin and complete: typed error, claimable after lockTtlMs, work runs once per claim', async () => {
    const clock = manualClock({ now: 0 });
    const options = { lockTtlMs: 2_000, ttlMs: 60_000 };
    let executions = 0;
    const first = new DatabaseSync(file);
    const storeA = sqliteStore({ database: first, clock });
    await storeA.migrate();

    const begun = await storeA.begin(where, 'fp', options);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    executions += 1; // the work runs under the claim
    first.close(); // the connection is lost before the response is stored
    const error = await rejection(storeA.complete(where, begun.token, stored, { ttlMs: 60_000 }));
    expect(error.operation).toBe('complete');
    expect(error.cause).toBeInstanceOf(Error);

    const second = new DatabaseSync(file);
    const storeB = sqliteStore({ database: second, clock });
    async function attempt(): Promise<string> {
      const result = await storeB.begin(where, 'fp', options);
      if (result.status === 'acquired') {
        executions += 1;
        await storeB.complete(where, result.token, stored, { ttlMs: 60_000 });
      }
      return result.status;
    }
    // Retries while the dead claim's lock holds never run the work.
    expect(await Promise.all([attempt(), attempt()])).toEqual(['in-progress', 'in-progress']);
    expect(executions).toBe(1);
    await clock.advance(2_000);
    // After lockTtlMs exactly one of the concurrent retries takes over and runs the work.
    const statuses = await Promise.all([attempt(), attempt(), attempt()]);
    expect(statuses.sort()).toEqual(['acquired', 'in-progress', 'in-progress']);
    expect(executions).toBe(2);
    // Later retries replay the stored response; the dead owner's token is powerless.
    expect(await attempt()).toBe('completed');
    expect(executions).toBe(2);
    expect(await storeB.complete(where, begun.token, stored, { ttlMs: 60_000 })).toBe(false);
    second.close();
  });

  it('every operation on a closed database rejects with IdempotencyStoreError and its cause', async () => {
    const db = new DatabaseSync(':memory:');
    const store = sqliteStore({ database: db });
    await store.migrate();
    const begun = await store.begin(where, 'fp', LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    db.close();
    const operations: Array<[string, () => Promise<unknown>]> = [
      ['begin', () => store.begin(where, 'fp', LONG)],
      ['complete', () => store.complete(where, begun.token, stored, { ttlMs: 1_000 })],
      ['release', () => store.release(where, begun.token)],
      ['sweep', () => store.sweep()],
      ['migrate', () => store.migrate()],
    ];
    for (const [operation, call] of operations) {
      const error = await rejection(call());
      expect(error.operation).toBe(operation);
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).not.toContain(begun.token);
    }
  });

  it('a database locked by another connection fails fast with a typed error, then recovers', async () => {
    const mine = new DatabaseSync(file, { timeout: 0 });
    const other = new DatabaseSync(file);
    const store = sqliteStore({ database: mine });
    await store.migrate();
    other.exec('BEGIN IMMEDIATE');
    const error = await rejection(store.begin(where, 'fp', LONG));
    expect(String((error.cause as Error).message)).toMatch(/locked|busy/i);
    other.exec('ROLLBACK');
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');
    mine.close();
    other.close();
  });

  it('a read transaction open on another connection: the claim is never reported unless committed (no double acquire)', async () => {
    // Rollback-journal mode, no busy timeout: the setup that handed one key to two requests.
    const mine = new DatabaseSync(file, { timeout: 0 });
    const reader = new DatabaseSync(file, { timeout: 0 });
    const store = sqliteStore({ database: mine });
    await store.migrate();
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM brace_idempotency').get(); // holds a SHARED lock
    // The upsert's RETURNING row exists, but the COMMIT meets SQLITE_BUSY: a typed error,
    // not `acquired` for an insert SQLite then rolls back.
    const error = await rejection(store.begin(where, 'fp', LONG));
    expect(error.operation).toBe('begin');
    expect(error.message).toContain('not recorded');
    expect(String((error.cause as Error).message)).toMatch(/locked|busy/i);
    reader.exec('COMMIT');
    // Nothing half-done is left: no open transaction, no row.
    expect(mine.isTransaction).toBe(false);
    expect(mine.prepare('SELECT count(*) AS n FROM brace_idempotency').get()).toEqual({ n: 0 });
    // Exactly one of the next two claims acquires; the other sees it in progress.
    const first = await store.begin(where, 'fp', LONG);
    const second = await sqliteStore({ database: reader }).begin(where, 'fp', LONG);
    expect([first.status, second.status]).toEqual(['acquired', 'in-progress']);
    mine.close();
    reader.close();
  });

  it('behind the middleware, the failed claim answers 503 with Retry-After and the handler does not run', async () => {
    const mine = new DatabaseSync(file, { timeout: 0 });
    const reader = new DatabaseSync(file, { timeout: 0 });
    const store = sqliteStore({ database: mine });
    await store.migrate();
    let runs = 0;
    const idempotency = createIdempotency({ store });
    const send = () =>
      idempotency.handle(
        new Request('http://localhost/orders', {
          method: 'POST',
          headers: { 'idempotency-key': '"k-503"' },
          body: '{}',
        }),
        () => {
          runs += 1;
          return new Response('{}', { status: 201 });
        },
      );
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM brace_idempotency').get();
    const refused = await send();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    reader.exec('COMMIT');
    expect(runs).toBe(0);
    expect((await send()).status).toBe(201);
    expect((await send()).headers.get('idempotent-replayed')).toBe('true');
    expect(runs).toBe(1);
    mine.close();
    reader.close();
  });

  it('the README setup (busy timeout, WAL): a reader never blocks a claim, and a writer is waited for', async () => {
    const mine = new DatabaseSync(file, { timeout: 5_000 });
    mine.exec('PRAGMA journal_mode = WAL');
    const reader = new DatabaseSync(file, { timeout: 5_000 });
    const store = sqliteStore({ database: mine });
    await store.migrate();
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM brace_idempotency').get();
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');
    reader.exec('COMMIT');
    expect((await sqliteStore({ database: reader }).begin(where, 'fp', LONG)).status).toBe(
      'in-progress',
    );
    mine.close();
    reader.close();
  });

  it('holds the write lock from the claim to the read: another connection cannot write in between', async () => {
    const db = new DatabaseSync(file);
    const other = new DatabaseSync(file, { timeout: 0 });
    const attempts: string[] = [];
    // The real database, with another connection trying to write just before the read.
    const racing: SqliteDatabase = {
      prepare(sql) {
        const statement = db.prepare(sql);
        if (!sql.startsWith('SELECT')) return statement;
        return {
          run: (...params) => statement.run(...params),
          get: (...params) => {
            try {
              other.prepare('DELETE FROM brace_idempotency').run();
              attempts.push('wrote');
            } catch {
              attempts.push('locked out');
            }
            return statement.get(...params);
          },
        };
      },
    };
    const store = sqliteStore({ database: racing });
    await store.migrate();
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');
    expect((await store.begin(where, 'fp', LONG)).status).toBe('in-progress');
    expect(attempts).toEqual(['locked out']);
    db.close();
    other.close();
  });

  it('inside a transaction of your own on the same connection: a typed error, your transaction untouched', async () => {
    const db = new DatabaseSync(file);
    const store = sqliteStore({ database: db });
    await store.migrate();
    db.exec('BEGIN');
    const error = await rejection(store.begin(where, 'fp', LONG));
    expect(String((error.cause as Error).message)).toMatch(/within a transaction/);
    expect(db.isTransaction).toBe(true);
    db.exec('ROLLBACK');
    db.close();
  });
});
