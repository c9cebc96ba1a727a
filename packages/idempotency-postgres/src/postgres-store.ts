import { systemClock } from '@brace/core';
import {
  type BeginOptions,
  type BeginResult,
  type CompleteOptions,
  type ExtendOptions,
  IdempotencyOptionError,
  type StoredResponse,
  type StoreKey,
} from '@brace/idempotency';
import { type ClaimRow, classify } from './claim-row.js';
import { isNodePostgres, statementRunner } from './client.js';
import { storeError } from './errors.js';
import { migrate } from './migrate.js';
import {
  DEFAULT_POSTGRES_TIMEOUT_MS,
  type PostgresIdempotencyStore,
  type PostgresStoreOptions,
} from './options.js';
import { deadlineQuery } from './query.js';
import { DEFAULT_POSTGRES_TABLE, tableNames } from './schema.js';
import { statementsFor } from './statements.js';

/**
 * How often `begin` re-runs its statement when a concurrent transaction committed the row
 * after the statement's snapshot (READ COMMITTED): the next run sees it.
 */
const MAX_BEGIN_ATTEMPTS = 5;

/**
 * Creates an `IdempotencyStore` (from `@brace/idempotency`) in a PostgreSQL table on the
 * client you pass (`pg` Pool/Client, PGlite, or a wrapper).
 * Call `migrate()` once (or run {@link POSTGRES_SCHEMA}
 * in your migrations); call `sweep()` now and then to delete expired rows (expired rows are
 * already ignored and reused by `begin`).
 *
 * `begin` is one statement, one round trip: `INSERT … ON CONFLICT (scope, key) DO UPDATE …
 * WHERE expired or lock expired RETURNING`, with the existing record returned by the same
 * statement when the claim fails. `complete` and `release` are one conditional UPDATE or
 * DELETE on the owner's token. Every statement stands alone (no transaction is held), so a
 * pool is fine. On a node-postgres client the statements are named (prepared once per
 * connection; see `preparedStatements`). Driver errors reject with {@link IdempotencyStoreError}.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { postgresStore } from '@brace/idempotency-postgres';
 *
 * const store = postgresStore({ client: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * await store.migrate();
 * const begun = await store.begin({ scope: 'POST /orders', key: 'k1' }, 'sha256:…', { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresIdempotencyStore {
  const client = options.client;
  if (typeof client?.query !== 'function') {
    throw new IdempotencyOptionError(
      'client',
      'a PostgreSQL client with query(text, params) resolving { rows } (pg Pool/Client, PGlite, or a wrapper)',
    );
  }
  const prepared =
    options.preparedStatements === undefined ? isNodePostgres(client) : options.preparedStatements;
  if (typeof prepared !== 'boolean') {
    throw new IdempotencyOptionError('preparedStatements', 'a boolean (or undefined: auto)');
  }
  const table = options.table ?? DEFAULT_POSTGRES_TABLE;
  const sql = statementsFor(tableNames(table));
  const clock = options.clock ?? systemClock;
  const run = statementRunner(client, prepared);
  const timeoutMs = options.timeoutMs ?? DEFAULT_POSTGRES_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new IdempotencyOptionError('timeoutMs', 'an integer from 1 to 600000 (milliseconds)');
  }
  const query = deadlineQuery(run, timeoutMs);

  return {
    migrate: () => migrate(client, table),

    async sweep() {
      const rows = (await query('sweep', sql.sweep, [clock.now()])) as Array<{ swept: number }>;
      return Number(rows[0]?.swept ?? 0);
    },

    async begin(where: StoreKey, fingerprint: string, opts: BeginOptions): Promise<BeginResult> {
      const now = clock.now();
      const token = crypto.randomUUID();
      const params = [
        where.scope,
        where.key,
        fingerprint,
        token,
        now + opts.lockTtlMs,
        now + Math.max(opts.ttlMs, opts.lockTtlMs),
        now,
      ];
      // A claim made after the caller gave up (timeoutMs) has no owner: give it back at
      // once, or the key answers 409 for lockTtlMs after the outage.
      const giveBack = (rows: unknown[]): void => {
        if ((rows[0] as ClaimRow | undefined)?.acquired) {
          run(sql.release, [where.scope, where.key, token, clock.now()]).catch(() => undefined);
        }
      };
      for (let attempt = 0; attempt < MAX_BEGIN_ATTEMPTS; attempt++) {
        const row = (await query('begin', sql.claim, params, giveBack))[0] as ClaimRow | undefined;
        if (row?.acquired) return { status: 'acquired', token };
        const result = row === undefined ? undefined : classify(row, fingerprint, now);
        if (result !== undefined) return result;
        // A concurrent transaction changed the row after this statement's snapshot: run again.
      }
      throw storeError(
        'begin',
        undefined,
        'the record kept changing under concurrent writers; retry the request',
      );
    },

    async complete(
      where: StoreKey,
      token: string,
      record: StoredResponse,
      opts: CompleteOptions,
    ): Promise<boolean> {
      const now = clock.now();
      const rows = await query('complete', sql.complete, [
        now,
        record.status,
        JSON.stringify(record.headers),
        record.body,
        now + opts.ttlMs,
        where.scope,
        where.key,
        token,
      ]);
      return rows.length === 1;
    },

    async release(where: StoreKey, token: string): Promise<boolean> {
      const rows = await query('release', sql.release, [
        where.scope,
        where.key,
        token,
        clock.now(),
      ]);
      return rows.length === 1;
    },

    async extend(where: StoreKey, token: string, opts: ExtendOptions): Promise<boolean> {
      const now = clock.now();
      const rows = await query('extend', sql.extend, [
        now + opts.lockTtlMs,
        where.scope,
        where.key,
        token,
        now,
      ]);
      return rows.length === 1;
    },
  };
}
