/**
 * The inbox store for many machines (`postgresInboxStore`): `FOR UPDATE SKIP LOCKED` claims, leases and handler transactions on PostgreSQL.
 *
 * @module
 */
import { InboxLeaseLostError, InboxOptionsError, InboxStoreError } from './errors.js';
import type { NewInboxEvent } from './event.js';
import { batcher, type GroupCommitOptions, groupCommitOptions } from './group-commit.js';
import { listLimit, newLease, validLimit } from './lease.js';
import { postgresInsertFlush } from './postgres-insert.js';
import { postgresSql } from './postgres-sql.js';
import {
  checkTable,
  DEFAULT_INBOX_TABLE,
  type EventRow,
  failed,
  toClaimed,
  toEvent,
} from './rows.js';
import type { InboxQueryResult, InboxStore, InboxTransaction } from './store.js';

export { DEFAULT_INBOX_TABLE } from './rows.js';

/** Default `operationTimeoutMs` of {@link postgresInboxStore}: 5,000 ms. */
export const DEFAULT_POSTGRES_INBOX_TIMEOUT_MS = 5_000;

/**
 * What the store needs from a PostgreSQL client: `query(text, params)` resolving `{ rows }`,
 * and for handler transactions `connect()` returning a dedicated connection with `release()`.
 * A `pg` `Pool` fits as it is; postgres.js fits with a small wrapper. The store never opens
 * or closes connections of its own.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { InboxPostgresClient } from '@brace/webhook-inbox/postgres';
 *
 * const client: InboxPostgresClient = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface InboxPostgresClient {
  /** Runs one statement (or, without params, several). */
  query(text: string, params?: unknown[]): Promise<InboxQueryResult>;
  /** A dedicated connection for a transaction (a `pg` `Pool` has it). */
  connect?(): Promise<InboxConnection>;
}

/**
 * A dedicated connection from `connect()`: a transaction's `query` plus `release()`.
 *
 * @example
 * ```ts
 * import type { InboxConnection } from '@brace/webhook-inbox/postgres';
 *
 * async function ping(connection: InboxConnection) {
 *   try {
 *     await connection.query('SELECT 1');
 *   } finally {
 *     connection.release();
 *   }
 * }
 * ```
 */
export interface InboxConnection extends InboxTransaction {
  /** Gives the connection back to the pool. */
  release(): void;
}

/**
 * Options of {@link postgresInboxStore}.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { PostgresInboxStoreOptions } from '@brace/webhook-inbox/postgres';
 *
 * const options: PostgresInboxStoreOptions = { client: new pg.Pool(), table: 'webhook_inbox' };
 * ```
 */
export interface PostgresInboxStoreOptions {
  /** The client or pool. */
  client: InboxPostgresClient;
  /** The table (and `<table>_watermarks`). Default {@link DEFAULT_INBOX_TABLE}. */
  table?: string;
  /**
   * How long one store operation may take before it fails with `InboxStoreError` (a receiver
   * then answers 503 at once instead of holding the provider's request through an outage).
   * Default {@link DEFAULT_POSTGRES_INBOX_TIMEOUT_MS}. Handler transactions are not bounded by it.
   */
  operationTimeoutMs?: number;
  /**
   * Group commit of receivers' inserts: deliveries that arrive together are stored with one
   * multi-row `INSERT … ON CONFLICT DO NOTHING` (one round trip, one commit), and each is
   * answered only once the statement holding its row has committed. A row the database refuses
   * on its own (a data error) is retried alone, so it never fails its neighbours. While a
   * statement is in flight, the next waits for it (sharing one statement) until it has run
   * `overlapMs`, then goes beside it. Default `{ maxRows: 100, windowMs: 0, concurrency: 4,
   * overlapMs: 4 }`; `false` commits every insert alone.
   */
  groupCommit?: GroupCommitOptions | false;
}

function timeout<T>(operation: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InboxStoreError(
            operation,
            `The inbox store did not answer ${operation} within ${ms} ms; check the database.`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The inbox store for many processes and machines: a transactional inbox on PostgreSQL.
 * A unique key on provider + event id dedupes forever; workers claim with
 * `FOR UPDATE SKIP LOCKED` under leases that expire when a worker dies; dead letters are a
 * queryable state. With a `pg` `Pool`, handlers get `context.transaction(work)`: the business
 * write and "done" commit together, so its effect happens exactly once. Tables are created on
 * first use (concurrent first uses are serialised by an advisory lock).
 *
 * @param options - the client and table
 * @returns an {@link InboxStore}
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createInbox } from '@brace/webhook-inbox';
 * import { postgresInboxStore } from '@brace/webhook-inbox/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const inbox = createInbox({
 *   store: postgresInboxStore({ client: pool }),
 *   providers: { stripe: { secret: process.env.STRIPE_WEBHOOK_SECRET! } },
 *   handlers: {
 *     stripe: {
 *       'invoice.paid': async (event, { transaction }) => {
 *         await transaction!(async (tx) => {
 *           await tx.query('UPDATE invoices SET paid = true WHERE id = $1', [event.resourceKey]);
 *         });
 *       },
 *     },
 *   },
 * });
 * ```
 */
export function postgresInboxStore(options: PostgresInboxStoreOptions): InboxStore {
  const { client } = options;
  if (typeof client?.query !== 'function') {
    throw new InboxOptionsError(
      'client must be a PostgreSQL client or pool with query(text, params).',
    );
  }
  const table = checkTable(options.table ?? DEFAULT_INBOX_TABLE);
  const ms = options.operationTimeoutMs ?? DEFAULT_POSTGRES_INBOX_TIMEOUT_MS;
  if (!Number.isInteger(ms) || ms < 1)
    throw new InboxOptionsError('operationTimeoutMs must be a whole number of at least 1.');
  const sql = postgresSql(table);
  const batching = groupCommitOptions(options.groupCommit);
  let ready: Promise<unknown> | undefined;
  let migrated = false;
  const migrate = () => {
    if (ready !== undefined) return ready;
    const attempt = client.query(sql.schema).then(
      () => {
        migrated = true;
      },
      (error) => {
        if (ready === attempt) ready = undefined;
        throw error;
      },
    );
    ready = attempt;
    return attempt;
  };
  const query = async (
    operation: string,
    text: string,
    params: unknown[],
    abandoned?: (work: Promise<unknown>) => void,
  ) => {
    const work = (async () => {
      await migrate();
      return (await client.query(text, params)).rows;
    })();
    try {
      return await timeout(operation, ms, work);
    } catch (error) {
      // A migration stuck on a dead connection must not block every later call: try it again.
      if (!migrated) ready = undefined;
      abandoned?.(work);
      throw failed(operation, error);
    }
  };
  const insert = batcher(postgresInsertFlush(query, sql), batching);

  const store: InboxStore = {
    insert: (event: NewInboxEvent) => insert(event),
    async claim({ worker, now, leaseMs, limit, ordered }) {
      const lease = newLease(worker);
      // A claim that failed or timed out may still commit on the server: once it settles, give
      // back whatever this lease token took (no-op when nothing was taken), so those events are
      // claimable at once instead of after their lease. Only a claim that never settles (a hung
      // connection) leaves its events to the lease.
      const release = (work: Promise<unknown>) => {
        const giveBack = () =>
          client.query(sql.release, [lease, now]).then(
            () => {},
            () => {},
          );
        void work.then(giveBack, giveBack);
      };
      const params = [now, ordered, validLimit(limit), lease, now + leaseMs];
      const rows = (await query('claim', sql.claim, params, release)) as Array<
        EventRow & { seq: string }
      >;
      return rows
        .sort((a, b) => Number(a.order_at) - Number(b.order_at) || Number(a.seq) - Number(b.seq))
        .map((row) => toClaimed(row, lease));
    },
    async extend(id, lease, leaseUntil) {
      return (await query('extend', sql.extend, [leaseUntil, id, lease])).length === 1;
    },
    async settle(id, lease, outcome, now) {
      if (outcome.status === 'retry' || outcome.status === 'dead') {
        const next = outcome.status === 'retry' ? outcome.nextAttemptAt : now;
        const status = outcome.status === 'retry' ? 'pending' : 'dead';
        const params = [status, next, JSON.stringify(outcome.error), now, id, lease];
        return (await query('settle', sql.fail, params)).length === 1;
      }
      if (outcome.status === 'stale')
        return (await query('settle', sql.stale, [now, id, lease])).length === 1;
      const [row] = (await query('settle', sql.done, [now, id, lease])) as Array<{ n: number }>;
      return row?.n === 1;
    },
    async get(id) {
      const [row] = (await query('get', sql.get, [id])) as EventRow[];
      return row === undefined ? undefined : toEvent(row);
    },
    async list(filter) {
      const params = [
        filter.status ?? null,
        filter.provider ?? null,
        filter.type ?? null,
        filter.since ?? null,
        filter.until ?? null,
        listLimit(filter.limit),
      ];
      return ((await query('list', sql.list, params)) as EventRow[]).map(toEvent);
    },
    async requeue(ids, now) {
      return (await query('requeue', sql.requeue, [now, [...new Set(ids)]])).length;
    },
    async discard(ids, now) {
      return (await query('discard', sql.discard, [now, [...new Set(ids)]])).length;
    },
  };
  if (typeof client.connect === 'function') {
    const connect = client.connect.bind(client);
    store.transaction = async (id, lease, now, work) => {
      let connection: Awaited<ReturnType<typeof connect>>;
      try {
        await migrate();
        connection = await connect();
      } catch (error) {
        throw failed('transaction', error);
      }
      try {
        await connection.query('BEGIN');
        const held = await connection.query(sql.hold, [id, lease]);
        if (held.rows.length !== 1) throw new InboxLeaseLostError(id);
        const result = await work(connection);
        await connection.query(sql.done, [now, id, lease]);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    };
  }
  return store;
}
