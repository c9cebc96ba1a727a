/**
 * The embedded inbox store for one machine (`sqliteInboxStore`), on `node:sqlite` or better-sqlite3.
 *
 * @module
 */
import { InboxOptionsError } from './errors.js';
import type { ClaimedInboxEvent, NewInboxEvent } from './event.js';
import {
  batcher,
  type GroupCommitOptions,
  groupCommitOptions,
  type Settled,
} from './group-commit.js';
import { listLimit, newLease, validLimit } from './lease.js';
import {
  checkTable,
  DEFAULT_INBOX_TABLE,
  type EventRow,
  failed,
  toClaimed,
  toEvent,
} from './rows.js';
import { sqliteSql } from './sqlite-sql.js';
import { connectionSynchronous, insertRow, sqliteWriter, writerPath } from './sqlite-writer.js';
import type { InboxListFilter, InboxStore, SettleOutcome } from './store.js';

export { DEFAULT_INBOX_TABLE } from './rows.js';

/**
 * The part of a SQLite connection the store uses. `node:sqlite`'s `DatabaseSync` and
 * better-sqlite3's `Database` both fit; the store never opens or closes it.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import type { InboxSqliteDatabase } from '@brace/webhook-inbox/sqlite';
 *
 * const database: InboxSqliteDatabase = new DatabaseSync('inbox.db');
 * ```
 */
export interface InboxSqliteDatabase {
  /** Runs SQL without results (schema, BEGIN/COMMIT, pragmas). */
  exec(sql: string): unknown;
  /** Prepares a statement. */
  prepare(sql: string): {
    /** Runs it; reports the rows changed. */
    run(...params: Array<string | number | null>): {
      /** Rows changed. */ changes: number | bigint;
    };
    /** Runs it to completion and returns every row. */
    all(...params: Array<string | number | null>): unknown[];
  };
  /** `node:sqlite`: the file of the database (`null` in memory); lets the store start its writer thread. */
  location?(): string | null;
  /** better-sqlite3: the file of the database. */
  readonly name?: string;
  /** better-sqlite3: whether the database is in memory. */
  readonly memory?: boolean;
}

/**
 * Options of {@link sqliteInboxStore}.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import type { SqliteInboxStoreOptions } from '@brace/webhook-inbox/sqlite';
 *
 * const options: SqliteInboxStoreOptions = { database: new DatabaseSync('inbox.db'), table: 'webhooks' };
 * ```
 */
export interface SqliteInboxStoreOptions {
  /** The open database. */
  database: InboxSqliteDatabase;
  /** The table (and `<table>_watermarks`). Default {@link DEFAULT_INBOX_TABLE}. */
  table?: string;
  /** `PRAGMA busy_timeout` set on the connection: how long a write waits for another process's lock. Default 5,000 ms. */
  busyTimeoutMs?: number;
  /**
   * `PRAGMA synchronous` set on the connection; left as the connection has it when absent
   * (SQLite's default is `FULL`: every commit is flushed to disk). `'NORMAL'` in WAL mode skips
   * the flush on commit (the WAL is flushed at checkpoints): a committed event survives a crash
   * or kill of the process, but the last commits can be lost if the machine loses power or the
   * OS crashes — and the provider was already answered 2xx for them. Faster acknowledgements for
   * a durability trade-off; see the README.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Group commit of receivers' inserts: deliveries that arrive in the same turn of the event
   * loop are stored in one transaction (one commit, one disk flush), each answered after that
   * commit. A row that fails alone fails only its delivery. Default `{ maxRows: 100, windowMs: 0 }`;
   * `false` commits every insert alone.
   */
  groupCommit?: GroupCommitOptions | false;
  /**
   * Who commits receivers' inserts. `'thread'`: a worker thread with its own `node:sqlite`
   * connection to the same file (same `busy_timeout` and `synchronous`), so the receiving event
   * loop never blocks on a commit's disk flush; one batch at a time, the next one gathering what
   * arrives meanwhile; it needs a database file and `node:sqlite`. `'inline'`: this connection,
   * on the calling thread. Default: `'thread'` when the database is a file (`location()` or
   * better-sqlite3's `name`) and `node:sqlite` is available, else `'inline'`. Claims, settles and
   * reads always use this connection. An idle thread never keeps the process alive.
   */
  writer?: 'thread' | 'inline';
}

/**
 * The SQLite store: an {@link InboxStore} plus `close()`, which ends its writer thread (the
 * database itself is yours to close).
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import { sqliteInboxStore, type SqliteInboxStore } from '@brace/webhook-inbox/sqlite';
 *
 * const database = new DatabaseSync('inbox.db');
 * const store: SqliteInboxStore = sqliteInboxStore({ database });
 * // … on shutdown, after the server stopped receiving:
 * await store.close();
 * database.close();
 * ```
 */
export interface SqliteInboxStore extends InboxStore {
  /** Ends the writer thread, if one runs (an insert after it starts a new one). */
  close(): Promise<void>;
}

const BUSY_TIMEOUT_MS = 5_000;

/**
 * The embedded inbox store for one machine: SQLite through `node:sqlite` (built into Node 22.5+)
 * or better-sqlite3. It creates its tables, switches the database to WAL and sets a busy
 * timeout, so several processes on one machine can share the file. Every claim and settle is
 * one atomic statement or an `IMMEDIATE` transaction run to completion: a lock conflict is an
 * error (503 to the provider), never a half-claimed event.
 *
 * @param options - the database and table
 * @returns an {@link InboxStore}
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import { createInbox } from '@brace/webhook-inbox';
 * import { sqliteInboxStore } from '@brace/webhook-inbox/sqlite';
 *
 * const inbox = createInbox({
 *   store: sqliteInboxStore({ database: new DatabaseSync('inbox.db') }),
 *   providers: { github: { secret: process.env.GITHUB_WEBHOOK_SECRET! } },
 *   handlers: { github: { push: async () => {} } },
 * });
 * ```
 */
export function sqliteInboxStore(options: SqliteInboxStoreOptions): SqliteInboxStore {
  const { database } = options;
  if (typeof database?.prepare !== 'function' || typeof database.exec !== 'function') {
    throw new InboxOptionsError(
      'database must be an open node:sqlite DatabaseSync or better-sqlite3 Database.',
    );
  }
  const table = checkTable(options.table ?? DEFAULT_INBOX_TABLE);
  const busy = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busy) || busy < 0)
    throw new InboxOptionsError('busyTimeoutMs must be a whole number of at least 0.');
  const { synchronous } = options;
  if (synchronous !== undefined && synchronous !== 'FULL' && synchronous !== 'NORMAL')
    throw new InboxOptionsError("synchronous must be 'FULL' or 'NORMAL'.");
  const batching = groupCommitOptions(options.groupCommit);
  const sql = sqliteSql(table);
  try {
    database.exec(`PRAGMA busy_timeout = ${busy}`);
    database.exec('PRAGMA journal_mode = WAL');
    if (synchronous !== undefined) database.exec(`PRAGMA synchronous = ${synchronous}`);
    database.exec(sql.schema);
  } catch (error) {
    throw failed('migrate', error);
  }
  const path = writerPath(database, options.writer);
  const statements = new Map<string, ReturnType<InboxSqliteDatabase['prepare']>>();
  const prepared = (text: string) => {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = database.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  const run = <T>(operation: string, work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(failed(operation, error));
    }
  };
  const transaction = <T>(work: () => T): T => {
    database.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      database.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        database.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
      throw error;
    }
  };

  const insertOne = (event: NewInboxEvent): Settled<'inserted' | 'duplicate'> => {
    try {
      const { changes } = prepared(sql.insert).run(...insertRow(event));
      return { ok: true, value: Number(changes) === 1 ? 'inserted' : 'duplicate' };
    } catch (error) {
      return { ok: false, error: failed('insert', error) };
    }
  };
  const writer =
    path === undefined
      ? undefined
      : sqliteWriter({
          path,
          busyTimeoutMs: busy,
          synchronous: synchronous ?? connectionSynchronous(database),
          insertSql: sql.insert,
        });
  // One commit at a time: a batch is one IMMEDIATE transaction (one WAL flush), committed by the
  // writer thread or, inline, synchronously on this thread.
  const insert = batcher(
    async (events: NewInboxEvent[]) => {
      if (writer !== undefined) return writer.write(events.map(insertRow));
      if (events.length === 1) return [insertOne(events[0]!)];
      try {
        return transaction(() => events.map(insertOne));
      } catch (error) {
        throw failed('insert', error);
      }
    },
    { ...batching, concurrency: 1 },
  );

  return {
    close: async () => writer?.close(),

    insert: (event: NewInboxEvent) => insert(event),

    claim: ({ worker, now, leaseMs, limit, ordered }) =>
      run('claim', () => {
        const lease = newLease(worker);
        const rows = prepared(sql.claim).all(
          lease,
          now + leaseMs,
          now,
          now,
          now,
          ordered ? 1 : 0,
          now,
          validLimit(limit),
        ) as Array<EventRow & { seq: number }>;
        return rows
          .sort((a, b) => Number(a.order_at) - Number(b.order_at) || a.seq - b.seq)
          .map((row): ClaimedInboxEvent => toClaimed(row, lease));
      }),

    extend: (id, lease, leaseUntil) =>
      run('extend', () => Number(prepared(sql.extend).run(leaseUntil, id, lease).changes) === 1),

    settle: (id, lease, outcome: SettleOutcome, now) =>
      run('settle', () => {
        if (outcome.status === 'retry' || outcome.status === 'dead') {
          const error = JSON.stringify(outcome.error);
          const next = outcome.status === 'retry' ? outcome.nextAttemptAt : now;
          return (
            Number(
              prepared(sql.fail).run(
                outcome.status === 'retry' ? 'pending' : 'dead',
                next,
                error,
                error,
                now,
                id,
                lease,
              ).changes,
            ) === 1
          );
        }
        if (outcome.status === 'stale')
          return Number(prepared(sql.stale).run(now, id, lease).changes) === 1;
        return transaction(() => {
          const done = prepared(sql.done).all(now, id, lease) as Array<{
            provider: string;
            resource_key: string | null;
            order_at: number;
          }>;
          const row = done[0];
          if (row === undefined) return false;
          if (row.resource_key !== null)
            prepared(sql.watermark).run(row.provider, row.resource_key, row.order_at);
          return true;
        });
      }),

    get: (id) =>
      run('get', () => {
        const row = prepared(sql.get).all(id)[0] as EventRow | undefined;
        return row === undefined ? undefined : toEvent(row);
      }),

    list: (filter: InboxListFilter) =>
      run('list', () =>
        (
          prepared(sql.list).all(
            filter.status ?? null,
            filter.status ?? null,
            filter.provider ?? null,
            filter.provider ?? null,
            filter.type ?? null,
            filter.type ?? null,
            filter.since ?? null,
            filter.since ?? null,
            filter.until ?? null,
            filter.until ?? null,
            listLimit(filter.limit),
          ) as EventRow[]
        ).map(toEvent),
      ),

    requeue: (ids, now) =>
      run('requeue', () =>
        transaction(() => {
          let count = 0;
          for (const id of new Set(ids))
            count += Number(prepared(sql.requeue).run(now, now, id).changes);
          return count;
        }),
      ),

    discard: (ids, now) =>
      run('discard', () =>
        transaction(() => {
          let count = 0;
          for (const id of new Set(ids))
            count += Number(prepared(sql.discard).run(now, id).changes);
          return count;
        }),
      ),
  };
}
