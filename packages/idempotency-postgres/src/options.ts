import type { Clock } from '@brace/core';
import type { IdempotencyStore } from '@brace/idempotency';
import type { PostgresClient } from './client.js';

/**
 * Default `timeoutMs` of {@link postgresStore}: 2 seconds. A statement that gets no answer
 * within it rejects with `IdempotencyStoreError`, so a database outage or partition answers
 * 503 in about this long instead of holding each request for as long as it lasts.
 *
 * @example
 * ```ts
 * import { DEFAULT_POSTGRES_TIMEOUT_MS, postgresStore } from '@brace/idempotency-postgres';
 *
 * const store = postgresStore({ client: pool, timeoutMs: DEFAULT_POSTGRES_TIMEOUT_MS * 2 });
 * ```
 */
export const DEFAULT_POSTGRES_TIMEOUT_MS = 2_000;

/**
 * Options of {@link postgresStore}.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { PostgresStoreOptions } from '@brace/idempotency-postgres';
 *
 * const options: PostgresStoreOptions = { client: new pg.Pool(), table: 'app.idempotency' };
 * ```
 */
export interface PostgresStoreOptions {
  /** Your client or pool (`pg`, PGlite, or a wrapper with `query(text, params)`). */
  client: PostgresClient;
  /**
   * The table, optionally schema-qualified (`schema.table`); plain identifiers only.
   * Default {@link DEFAULT_POSTGRES_TABLE}.
   */
  table?: string;
  /**
   * The source of time for locks and TTLs (the application's clock, not the server's).
   * Default: `systemClock` from `@brace/core`.
   */
  clock?: Pick<Clock, 'now'>;
  /**
   * Run the store's statements as named (prepared) statements, so that PostgreSQL parses
   * and plans each once per connection instead of on every call: a claim then costs about
   * half as much server time. Needs a `query` that also accepts node-postgres'
   * `{ name, text, values }` config. Default: on for a node-postgres (`pg`) `Pool`,
   * `Client` or `PoolClient`, off for any other client (PGlite, wrappers). Set `false`
   * behind a pooler in transaction mode that does not support prepared statements
   * (PgBouncer before 1.21, or without `max_prepared_statements`); set `true` for a wrapper
   * that hands such a config to pg. A named statement the connection cannot use (SQLSTATE
   * 26000, 42P05, 0A000) is run again as plain text, and the store stays on plain text.
   */
  preparedStatements?: boolean;
  /**
   * How long `begin`, `complete`, `release` and `sweep` may wait for the database, in ms
   * (1 to 600,000), before rejecting with `IdempotencyStoreError` (the middleware then
   * answers 503 + `Retry-After`). The statement is not cancelled: a late answer is dropped,
   * and with a pool its connection stays busy until the server answers, so also set pg's
   * `connectionTimeoutMillis` and a server-side `statement_timeout`. `migrate` has no
   * deadline. Default {@link DEFAULT_POSTGRES_TIMEOUT_MS}.
   */
  timeoutMs?: number;
}

/**
 * An `IdempotencyStore` (from `@brace/idempotency`) kept in a PostgreSQL table, plus its
 * maintenance operations.
 *
 * @example
 * ```ts
 * import type { PostgresIdempotencyStore } from '@brace/idempotency-postgres';
 *
 * async function nightly(store: PostgresIdempotencyStore) {
 *   console.log(`swept ${await store.sweep()} expired records`);
 * }
 * ```
 */
export interface PostgresIdempotencyStore extends IdempotencyStore {
  /** Creates the table and its index when missing (the statements of {@link postgresSchema}). */
  migrate(): Promise<void>;
  /** Deletes every expired record; resolves how many rows were removed. */
  sweep(): Promise<number>;
}
