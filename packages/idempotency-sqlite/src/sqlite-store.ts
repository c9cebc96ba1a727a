import { type Clock, systemClock } from '@brace/core';
import type {
  BeginOptions,
  BeginResult,
  CompleteOptions,
  ExtendOptions,
  IdempotencyStore,
  StoredResponse,
  StoreKey,
} from '@brace/idempotency';
import { IdempotencyOptionError, type IdempotencyStoreError } from '@brace/idempotency';
import { storeError } from './errors.js';
import { checkTable, DEFAULT_SQLITE_TABLE, sqliteSchema } from './schema.js';

/**
 * A value bound to a statement parameter.
 *
 * @example
 * ```ts
 * import type { SqliteValue } from '@brace/idempotency-sqlite';
 *
 * const params: SqliteValue[] = ['POST /orders', 'k1', 1_700_000_000_000, new Uint8Array([1]), null];
 * ```
 */
export type SqliteValue = string | number | bigint | Uint8Array | null;

/**
 * The part of a prepared statement the store uses. `node:sqlite`'s `StatementSync` and
 * better-sqlite3's `Statement` both fit.
 *
 * @example
 * ```ts
 * import type { SqliteStatement } from '@brace/idempotency-sqlite';
 *
 * const statement: SqliteStatement = database.prepare('DELETE FROM brace_idempotency WHERE expires_at <= ?');
 * statement.run(Date.now());
 * ```
 */
export interface SqliteStatement {
  /** Runs the statement with positional parameters; reports how many rows changed. */
  run(...params: SqliteValue[]): {
    /** How many rows the statement inserted, updated or deleted. */
    changes: number | bigint;
  };
  /** Runs the statement with positional parameters; returns the first row or `undefined`. */
  get(...params: SqliteValue[]): unknown;
}

/**
 * The part of a SQLite connection the store uses: `prepare(sql)`. `node:sqlite`'s
 * `DatabaseSync` and better-sqlite3's `Database` both fit. The store never opens or closes
 * the database: it uses the one you pass.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import type { SqliteDatabase } from '@brace/idempotency-sqlite';
 *
 * const database: SqliteDatabase = new DatabaseSync('idempotency.db');
 * ```
 */
export interface SqliteDatabase {
  /** Compiles one SQL statement. */
  prepare(sql: string): SqliteStatement;
}

/**
 * Options of {@link sqliteStore}.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import type { SqliteStoreOptions } from '@brace/idempotency-sqlite';
 *
 * const options: SqliteStoreOptions = { database: new DatabaseSync('app.db'), table: 'idempotency' };
 * ```
 */
export interface SqliteStoreOptions {
  /** An open SQLite connection (`node:sqlite` `DatabaseSync` or better-sqlite3 `Database`). */
  database: SqliteDatabase;
  /** The table name, a plain identifier. Default {@link DEFAULT_SQLITE_TABLE}. */
  table?: string;
  /** The source of time for locks and TTLs. Default: `systemClock` from `@brace/core`. */
  clock?: Pick<Clock, 'now'>;
}

/**
 * An `IdempotencyStore` (from `@brace/idempotency`) kept in a SQLite table, plus its
 * maintenance operations.
 *
 * @example
 * ```ts
 * import type { SqliteIdempotencyStore } from '@brace/idempotency-sqlite';
 *
 * async function nightly(store: SqliteIdempotencyStore) {
 *   const removed = await store.sweep();
 *   console.log(`swept ${removed} expired records`);
 * }
 * ```
 */
export interface SqliteIdempotencyStore extends IdempotencyStore {
  /** Creates the table and its index when missing (the statements of {@link sqliteSchema}). */
  migrate(): Promise<void>;
  /** Deletes every expired record; resolves how many rows were removed. */
  sweep(): Promise<number>;
}

interface Row {
  fingerprint: string;
  status: string;
  locked_until: number | bigint;
  expires_at: number | bigint;
  response_status: number | bigint | null;
  response_headers: string | null;
  response_body: Uint8Array | null;
}

interface Statements {
  begin: SqliteStatement;
  commit: SqliteStatement;
  rollback: SqliteStatement;
  claim: SqliteStatement;
  read: SqliteStatement;
  complete: SqliteStatement;
  release: SqliteStatement;
  extend: SqliteStatement;
  sweep: SqliteStatement;
}

const MISMATCH: BeginResult = Object.freeze({ status: 'mismatch' });

/** What to do when the claim's transaction could not take the lock or commit. */
const BUSY_DETAIL =
  'the claim was not recorded (a busy or locked database, or a driver error in `cause`); nothing ran. Give the connection a busy timeout and WAL mode (see the README)';

/** Ends a failed claim's transaction; a ROLLBACK that fails (none open) changes nothing. */
function rollback(s: Statements): void {
  try {
    s.rollback.run();
  } catch {
    // No transaction was open (SQLite already rolled it back): nothing to undo.
  }
}

function statementsFor(database: SqliteDatabase, t: string): Statements {
  return {
    // The claim and the read run in one explicit write transaction, committed by a statement
    // of its own: a COMMIT that fails (SQLITE_BUSY while another connection reads, in
    // rollback-journal mode) throws, instead of being swallowed by the reset of a `get()`
    // that has already reported the RETURNING row of an insert SQLite then rolled back.
    begin: database.prepare('BEGIN IMMEDIATE'),
    commit: database.prepare('COMMIT'),
    rollback: database.prepare('ROLLBACK'),
    // One upsert: inserts a new claim, or takes over an expired record or an expired lock.
    // RETURNING yields a row only when this call now owns the key.
    claim: database.prepare(
      `INSERT INTO "${t}" (scope, key, fingerprint, status, owner_token, locked_until, expires_at, created_at)
VALUES (?, ?, ?, 'in-progress', ?, ?, ?, ?)
ON CONFLICT (scope, key) DO UPDATE SET
  fingerprint = excluded.fingerprint, status = 'in-progress', owner_token = excluded.owner_token,
  locked_until = excluded.locked_until, expires_at = excluded.expires_at,
  created_at = CASE WHEN "${t}".expires_at <= excluded.created_at THEN excluded.created_at ELSE "${t}".created_at END,
  response_status = NULL, response_headers = NULL, response_body = NULL
WHERE "${t}".expires_at <= excluded.created_at
  OR ("${t}".status = 'in-progress' AND "${t}".locked_until <= excluded.created_at)
RETURNING owner_token`,
    ),
    read: database.prepare(
      `SELECT fingerprint, status, locked_until, expires_at, response_status, response_headers, response_body
FROM "${t}" WHERE scope = ? AND key = ?`,
    ),
    complete: database.prepare(
      `UPDATE "${t}" SET status = 'completed', owner_token = NULL, locked_until = ?,
  response_status = ?, response_headers = ?, response_body = ?, expires_at = ?
WHERE scope = ? AND key = ? AND status = 'in-progress' AND owner_token = ? AND expires_at > ?`,
    ),
    release: database.prepare(
      `DELETE FROM "${t}" WHERE scope = ? AND key = ? AND status = 'in-progress' AND owner_token = ? AND expires_at > ?`,
    ),
    extend: database.prepare(
      `UPDATE "${t}" SET locked_until = ?, expires_at = MAX(expires_at, ?)
WHERE scope = ? AND key = ? AND status = 'in-progress' AND owner_token = ? AND expires_at > ?`,
    ),
    sweep: database.prepare(`DELETE FROM "${t}" WHERE expires_at <= ?`),
  };
}

/**
 * The outcome for a live row that this call could not claim (in the claim's transaction the
 * upsert's WHERE has already ruled out an expired record or lock).
 */
function classify(row: Row, fingerprint: string, now: number): BeginResult {
  const lockedUntil = Number(row.locked_until);
  if (row.fingerprint !== fingerprint) return MISMATCH;
  if (row.status === 'in-progress')
    return { status: 'in-progress', retryAfterMs: lockedUntil - now };
  // A completed row always has its response columns (complete writes them together).
  const body = row.response_body as Uint8Array;
  return {
    status: 'completed',
    record: {
      status: Number(row.response_status),
      headers: JSON.parse(row.response_headers as string) as Array<[string, string]>,
      // A plain Uint8Array view, whatever the driver returned (better-sqlite3 returns a Buffer).
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    },
  };
}

/**
 * Creates an `IdempotencyStore` (from `@brace/idempotency`) in a SQLite table of the
 * database you pass (`node:sqlite` `DatabaseSync` or better-sqlite3).
 * Durable across restarts, shared by
 * every process that opens the same file. Call `migrate()` once (or run
 * {@link SQLITE_SCHEMA} in your migrations); call `sweep()` now and then to delete expired
 * rows (expired rows are already ignored and reused by `begin`).
 *
 * Each `begin` is one write transaction (`BEGIN IMMEDIATE`): an upsert (`INSERT … ON CONFLICT
 * DO UPDATE … WHERE expired … RETURNING`), a primary-key SELECT when it does not acquire,
 * and a `COMMIT` of its own, so `acquired` is reported only for a claim that was committed.
 * A busy or locked database, and every other driver error, rejects with
 * {@link IdempotencyStoreError} (the middleware answers 503). Give the connection a busy
 * timeout and WAL mode, and do not call the store inside a transaction of your own on the
 * same connection.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import { sqliteStore } from '@brace/idempotency-sqlite';
 *
 * const store = sqliteStore({ database: new DatabaseSync('idempotency.db') });
 * await store.migrate();
 * const begun = await store.begin({ scope: 'POST /orders', key: 'k1' }, 'sha256:…', { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteIdempotencyStore {
  const database = options.database;
  if (typeof database?.prepare !== 'function') {
    throw new IdempotencyOptionError(
      'database',
      'an open SQLite connection with prepare(sql) (node:sqlite DatabaseSync or better-sqlite3)',
    );
  }
  const table = checkTable(options.table ?? DEFAULT_SQLITE_TABLE);
  const clock = options.clock ?? systemClock;
  let statements: Statements | undefined;

  /** Prepares the statements on first use (after `migrate()` may have created the table). */
  function prepared(operation: string): Statements {
    if (statements !== undefined) return statements;
    try {
      statements = statementsFor(database, table);
      return statements;
    } catch (error) {
      throw storeError(
        operation,
        error,
        `could not prepare statements for table "${table}"; run migrate() first`,
      );
    }
  }

  return {
    async migrate() {
      try {
        for (const sql of sqliteSchema(table)) database.prepare(sql).run();
      } catch (error) {
        throw storeError('migrate', error);
      }
    },

    async sweep() {
      const s = prepared('sweep');
      try {
        return Number(s.sweep.run(clock.now()).changes);
      } catch (error) {
        throw storeError('sweep', error);
      }
    },

    async begin(where: StoreKey, fingerprint: string, opts: BeginOptions): Promise<BeginResult> {
      const s = prepared('begin');
      const now = clock.now();
      const token = crypto.randomUUID();
      const lockedUntil = now + opts.lockTtlMs;
      const expiresAt = now + Math.max(opts.ttlMs, opts.lockTtlMs);
      let result: BeginResult;
      const sent = [where.scope, where.key, fingerprint, token];
      try {
        // Takes the write lock first (waiting up to the connection's busy timeout), so that
        // the claim and the read see one state and nothing commits between them.
        s.begin.run();
      } catch (error) {
        throw storeError('begin', error, BUSY_DETAIL, sent);
      }
      try {
        const won = s.claim.get(
          where.scope,
          where.key,
          fingerprint,
          token,
          lockedUntil,
          expiresAt,
          now,
        );
        if (won !== undefined) {
          result = { status: 'acquired', token };
        } else {
          // Inside the transaction the row the upsert did not take exists and is not
          // claimable (the upsert's WHERE is the claimable test at the same `now`).
          const row = s.read.get(where.scope, where.key) as Row;
          result = classify(row, fingerprint, now);
        }
        // `acquired` is only reported once the claim is durable: a failing COMMIT throws.
        s.commit.run();
      } catch (error) {
        rollback(s);
        throw storeError('begin', error, BUSY_DETAIL, sent);
      }
      return result;
    },

    async complete(
      where: StoreKey,
      token: string,
      record: StoredResponse,
      opts: CompleteOptions,
    ): Promise<boolean> {
      const s = prepared('complete');
      const now = clock.now();
      try {
        const { changes } = s.complete.run(
          now,
          record.status,
          JSON.stringify(record.headers),
          record.body,
          now + opts.ttlMs,
          where.scope,
          where.key,
          token,
          now,
        );
        return Number(changes) === 1;
      } catch (error) {
        throw storeError('complete', error, undefined, [
          where.scope,
          where.key,
          token,
          JSON.stringify(record.headers),
        ]);
      }
    },

    async release(where: StoreKey, token: string): Promise<boolean> {
      const s = prepared('release');
      try {
        return Number(s.release.run(where.scope, where.key, token, clock.now()).changes) === 1;
      } catch (error) {
        throw storeError('release', error, undefined, [where.scope, where.key, token]);
      }
    },

    async extend(where: StoreKey, token: string, opts: ExtendOptions): Promise<boolean> {
      const s = prepared('extend');
      const now = clock.now();
      const lockedUntil = now + opts.lockTtlMs;
      try {
        const { changes } = s.extend.run(
          lockedUntil,
          lockedUntil,
          where.scope,
          where.key,
          token,
          now,
        );
        return Number(changes) === 1;
      } catch (error) {
        throw storeError('extend', error, undefined, [where.scope, where.key, token]);
      }
    },
  };
}
