import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { manualClock } from '@brace/core';
import { IdempotencyStoreError as SharedStoreError } from '@brace/idempotency';
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

  it('claims again when another connection changes the row between the upsert and the read', async () => {
    const clock = manualClock({ now: 10_000 });
    const db = new DatabaseSync(file);
    const other = new DatabaseSync(file);
    let interfere: (() => void) | undefined;
    // The real database, with another connection acting just before each primary-key read.
    const racing: SqliteDatabase = {
      prepare(sql) {
        const statement = db.prepare(sql);
        if (!sql.startsWith('SELECT')) return statement;
        return {
          run: (...params) => statement.run(...params),
          get: (...params) => {
            interfere?.();
            return statement.get(...params);
          },
        };
      },
    };
    const store = sqliteStore({ database: racing, clock });
    await store.migrate();
    const held = await store.begin(where, 'fp', LONG);
    if (held.status !== 'acquired') throw new Error('expected acquired');

    // A sweep elsewhere deletes the row: the next attempt acquires.
    interfere = () => {
      other.prepare('DELETE FROM brace_idempotency').run();
      interfere = undefined;
    };
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');

    // Another writer expires the lock: the row is claimable, so the next attempt takes it over.
    interfere = () => {
      other.prepare('UPDATE brace_idempotency SET locked_until = 0').run();
      interfere = undefined;
    };
    expect((await store.begin(where, 'fp', LONG)).status).toBe('acquired');

    // A writer that keeps re-creating and deleting the row exhausts the attempts.
    interfere = () => {
      other.prepare('DELETE FROM brace_idempotency').run();
    };
    const original = racing.prepare.bind(racing);
    racing.prepare = (sql) => {
      const statement = original(sql);
      if (!sql.startsWith('INSERT')) return statement;
      return {
        run: (...params) => statement.run(...params),
        get: (...params) => {
          other
            .prepare(
              `INSERT OR REPLACE INTO brace_idempotency (scope, key, fingerprint, status, owner_token, locked_until, expires_at, created_at)
               VALUES (?, ?, 'fp', 'in-progress', 'theirs', 99999999, 99999999, 0)`,
            )
            .run(where.scope, where.key);
          return statement.get(...params);
        },
      };
    };
    const contended = sqliteStore({ database: racing, clock });
    const error = await rejection(contended.begin(where, 'fp', LONG));
    expect(error.message).toContain('kept changing');
    expect(error.cause).toBeUndefined();
    db.close();
    other.close();
  });
});
