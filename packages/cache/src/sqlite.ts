/**
 * A SQLite cache store (`sqliteStore`) on `node:sqlite` or better-sqlite3.
 *
 * @module
 */
import { type Clock, systemClock } from '@brace/core';
import { CacheOptionError, CacheStoreError } from './errors.js';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './store.js';

/**
 * The part of a prepared statement the store uses: `node:sqlite`'s `StatementSync` and
 * better-sqlite3's `Statement` both fit.
 *
 * @example
 * ```ts
 * import type { CacheSqliteStatement } from '@brace/cache/sqlite';
 *
 * const statement: CacheSqliteStatement = database.prepare('SELECT 1');
 * ```
 */
export interface CacheSqliteStatement {
  /** Runs with positional parameters; reports the rows changed. */
  run(...params: Array<string | number | Uint8Array | null>): {
    /** Rows inserted, updated or deleted. */
    changes: number | bigint;
  };
  /** Runs with positional parameters; the first row or `undefined`. */
  get(...params: Array<string | number | Uint8Array | null>): unknown;
}

/**
 * The part of a SQLite connection the store uses: `prepare(sql)`. `node:sqlite`'s
 * `DatabaseSync` and better-sqlite3's `Database` fit. The store never opens or closes it.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import type { CacheSqliteDatabase } from '@brace/cache/sqlite';
 *
 * const database: CacheSqliteDatabase = new DatabaseSync('cache.db');
 * ```
 */
export interface CacheSqliteDatabase {
  /** Compiles one SQL statement. */
  prepare(sql: string): CacheSqliteStatement;
}

/**
 * Default table of {@link sqliteStore}: `brace_cache` (and `brace_cache_locks` for locks).
 *
 * @example
 * ```ts
 * import { DEFAULT_SQLITE_CACHE_TABLE } from '@brace/cache/sqlite';
 *
 * console.log(DEFAULT_SQLITE_CACHE_TABLE); // 'brace_cache'
 * ```
 */
export const DEFAULT_SQLITE_CACHE_TABLE = 'brace_cache';

/**
 * Options of {@link sqliteStore}.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import type { SqliteCacheStoreOptions } from '@brace/cache/sqlite';
 *
 * const options: SqliteCacheStoreOptions = { database: new DatabaseSync('cache.db'), table: 'http_cache' };
 * ```
 */
export interface SqliteCacheStoreOptions {
  /**
   * An open connection. For several processes on one file, set `PRAGMA journal_mode = WAL` and
   * `PRAGMA busy_timeout = 5000` on it: without a busy timeout a concurrent write fails at once
   * (`database is locked`), which the cache reports and answers without caching.
   */
  database: CacheSqliteDatabase;
  /** The table, a plain identifier of 1 to 48 characters. Default {@link DEFAULT_SQLITE_CACHE_TABLE}. */
  table?: string;
  /** The source of time for expiry and locks. Default `systemClock` from `@brace/core`. */
  clock?: Pick<Clock, 'now'>;
  /** Expired rows are swept every this many writes (1 to 1,000,000). Default 100. */
  sweepEvery?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * A cache store in SQLite, for one machine's processes sharing a file: rows of (key, metadata
 * JSON, body BLOB, expiry), bodies byte for byte, and locks in a second table so that
 * concurrent misses in several processes make one origin request. It creates its tables if
 * needed. Synchronous drivers only (`node:sqlite`, better-sqlite3); every call is one statement.
 *
 * @param options - the database, table and clock
 * @returns a {@link CacheStore} (from `@brace/cache`)
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import { createCache } from '@brace/cache';
 * import { sqliteStore } from '@brace/cache/sqlite';
 *
 * const cache = createCache({ store: sqliteStore({ database: new DatabaseSync('cache.db') }) });
 * ```
 */
export function sqliteStore(options: SqliteCacheStoreOptions): CacheStore {
  const database = options.database;
  if (typeof database?.prepare !== 'function') {
    throw new CacheOptionError('database', 'an open SQLite connection with prepare(sql)');
  }
  const table = options.table ?? DEFAULT_SQLITE_CACHE_TABLE;
  if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
    throw new CacheOptionError('table', 'a plain identifier of 1 to 48 characters');
  }
  const sweepEvery = options.sweepEvery ?? 100;
  if (!Number.isInteger(sweepEvery) || sweepEvery < 1 || sweepEvery > 1_000_000) {
    throw new CacheOptionError('sweepEvery', 'an integer from 1 to 1000000');
  }
  const clock = options.clock ?? systemClock;
  const locks = `${table}_locks`;
  const run = <T>(operation: string, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw new CacheStoreError('SQLite', operation, error);
    }
  };
  run('setup', () => {
    database
      .prepare(
        `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, meta TEXT NOT NULL, body BLOB NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
      )
      .run();
    database
      .prepare(
        `CREATE TABLE IF NOT EXISTS ${locks} (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
      )
      .run();
  });
  const select = database.prepare(`SELECT meta, body, expires_at FROM ${table} WHERE key = ?`);
  const upsert = database.prepare(
    `INSERT INTO ${table} (key, meta, body, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET meta = excluded.meta, body = excluded.body, expires_at = excluded.expires_at`,
  );
  const remove = database.prepare(`DELETE FROM ${table} WHERE key = ?`);
  const sweep = database.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`);
  const takeLock = database.prepare(
    `INSERT INTO ${locks} (key, token, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at WHERE ${locks}.expires_at <= ?`,
  );
  const releaseLock = database.prepare(`DELETE FROM ${locks} WHERE key = ? AND token = ?`);
  const sweepLocks = database.prepare(`DELETE FROM ${locks} WHERE expires_at <= ?`);
  let writes = 0;

  return {
    get(key) {
      return run('get', () => {
        const row = select.get(key) as
          | { meta: string; body: Uint8Array; expires_at: number }
          | undefined;
        if (row === undefined) return undefined;
        if (Number(row.expires_at) <= clock.now()) {
          remove.run(key);
          return undefined;
        }
        const body = new Uint8Array(row.body.byteLength);
        body.set(row.body);
        return { meta: JSON.parse(row.meta) as CacheEntryMeta, body } satisfies CacheEntry;
      });
    },
    set(key, entry, ttlMs) {
      run('set', () => {
        const now = clock.now();
        upsert.run(key, JSON.stringify(entry.meta), entry.body, now + Math.max(1, ttlMs));
        if (++writes % sweepEvery === 0) {
          sweep.run(now);
          sweepLocks.run(now);
        }
      });
    },
    delete(key) {
      run('delete', () => remove.run(key));
    },
    lock(key, ttlMs) {
      return run('lock', () => {
        const now = clock.now();
        const token = crypto.randomUUID();
        const { changes } = takeLock.run(key, token, now + Math.max(1, ttlMs), now);
        return Number(changes) === 1 ? token : undefined;
      });
    },
    unlock(key, token) {
      run('unlock', () => releaseLock.run(key, token));
    },
  };
}
