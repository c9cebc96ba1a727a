import { type Clock, systemClock } from '@brace/core';
import {
  type BeginOptions,
  type BeginResult,
  type CompleteOptions,
  type ExtendOptions,
  IdempotencyOptionError,
  type IdempotencyStore,
  IdempotencyStoreError,
  type StoredResponse,
  type StoreKey,
} from '@brace/idempotency';
import {
  isNodePostgres,
  type PostgresClient,
  type Statement,
  statement,
  statementRunner,
} from './client.js';
import { withDeadline } from './deadline.js';
import { storeError } from './errors.js';
import { DEFAULT_POSTGRES_TABLE, postgresSchema, type TableNames, tableNames } from './schema.js';

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

interface ClaimRow {
  acquired: boolean;
  fingerprint: string | null;
  status: string | null;
  locked_until_ms: number | string | null;
  expires_at_ms: number | string | null;
  response_status: number | null;
  response_headers: unknown;
  response_body: Uint8Array | null;
}

interface Statements {
  claim: Statement;
  complete: Statement;
  release: Statement;
  extend: Statement;
  sweep: Statement;
}

/**
 * How often `begin` re-runs its statement when a concurrent transaction committed the row
 * after the statement's snapshot (READ COMMITTED): the next run sees it.
 */
const MAX_BEGIN_ATTEMPTS = 5;

const MISMATCH: BeginResult = Object.freeze({ status: 'mismatch' });

/** How often `migrate` runs a statement that lost a creation race (see {@link isCreateRace}). */
const MAX_MIGRATE_ATTEMPTS = 5;

/**
 * SQLSTATEs of `CREATE … IF NOT EXISTS` racing the same statement in another session: both
 * miss the object, and the later one then fails on a catalog unique index (23505, e.g.
 * `pg_type_typname_nsp_index`) or finds the name taken (42P07 duplicate table, 42710
 * duplicate object). Either way the object now exists.
 */
const CREATE_RACE = new Set(['23505', '42P07', '42710']);

function isCreateRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CREATE_RACE.has(code);
}

/** `$n` (epoch milliseconds) as a timestamptz. */
const at = (n: number): string => `to_timestamp($${n}::float8 / 1000)`;
/** A timestamptz column as epoch milliseconds. */
const ms = (column: string): string => `extract(epoch FROM ${column})::float8 * 1000`;

function statementsFor({ table: t }: TableNames): Statements {
  return {
    // One statement, one round trip: the upsert claims a new, expired or lock-expired record
    // and returns one 'acquired' row; otherwise the SELECT returns the record that is there
    // (its body only when it is a replay for this fingerprint).
    claim: statement(
      'claim',
      `WITH claimed AS (
  INSERT INTO ${t} AS t (scope, key, fingerprint, status, owner_token, locked_until, expires_at, created_at)
  VALUES ($1, $2, $3, 'in-progress', $4, ${at(5)}, ${at(6)}, ${at(7)})
  ON CONFLICT (scope, key) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, status = 'in-progress', owner_token = EXCLUDED.owner_token,
    locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
    created_at = CASE WHEN t.expires_at <= EXCLUDED.created_at THEN EXCLUDED.created_at ELSE t.created_at END,
    response_status = NULL, response_headers = NULL, response_body = NULL
  WHERE t.expires_at <= EXCLUDED.created_at
    OR (t.status = 'in-progress' AND t.locked_until <= EXCLUDED.created_at)
  RETURNING 1
)
SELECT true AS acquired, NULL::text AS fingerprint, NULL::text AS status,
  NULL::float8 AS locked_until_ms, NULL::float8 AS expires_at_ms, NULL::integer AS response_status,
  NULL::jsonb AS response_headers, NULL::bytea AS response_body
FROM claimed
UNION ALL
SELECT false, fingerprint, status, ${ms('locked_until')}, ${ms('expires_at')}, response_status,
  response_headers, CASE WHEN status = 'completed' AND fingerprint = $3 THEN response_body END
FROM ${t} WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
    ),
    complete: statement(
      'complete',
      `UPDATE ${t} SET status = 'completed', owner_token = NULL, locked_until = ${at(1)},
  response_status = $2, response_headers = $3::jsonb, response_body = $4, expires_at = ${at(5)}
WHERE scope = $6 AND key = $7 AND status = 'in-progress' AND owner_token = $8 AND expires_at > ${at(1)}
RETURNING 1`,
    ),
    release: statement(
      'release',
      `DELETE FROM ${t}
WHERE scope = $1 AND key = $2 AND status = 'in-progress' AND owner_token = $3 AND expires_at > ${at(4)}
RETURNING 1`,
    ),
    extend: statement(
      'extend',
      `UPDATE ${t} SET locked_until = ${at(1)}, expires_at = GREATEST(expires_at, ${at(1)})
WHERE scope = $2 AND key = $3 AND status = 'in-progress' AND owner_token = $4 AND expires_at > ${at(5)}
RETURNING 1`,
    ),
    sweep: statement(
      'sweep',
      `WITH swept AS (DELETE FROM ${t} WHERE expires_at <= ${at(1)} RETURNING 1)
SELECT count(*)::integer AS swept FROM swept`,
    ),
  };
}

/** Bytes as a plain Uint8Array of their own (pg returns Buffers, some from a shared pool). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes);
}

/** The outcome for a record this call could not claim, or undefined if it is claimable. */
function classify(row: ClaimRow, fingerprint: string, now: number): BeginResult | undefined {
  if (Number(row.expires_at_ms) <= now) return undefined;
  const lockedUntil = Number(row.locked_until_ms);
  if (row.status === 'in-progress' && lockedUntil <= now) return undefined;
  if (row.fingerprint !== fingerprint) return MISMATCH;
  if (row.status === 'in-progress') {
    return { status: 'in-progress', retryAfterMs: Math.ceil(lockedUntil - now) };
  }
  const headers = row.response_headers;
  return {
    status: 'completed',
    record: {
      status: Number(row.response_status),
      // pg and PGlite parse jsonb; a wrapper may hand back the text.
      headers: (typeof headers === 'string' ? JSON.parse(headers) : headers) as Array<
        [string, string]
      >,
      body: ownBytes(row.response_body as Uint8Array),
    },
  };
}

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

  async function query(
    operation: string,
    s: Statement,
    params: unknown[],
    onLate?: (rows: unknown[]) => void,
  ): Promise<unknown[]> {
    try {
      return (
        await withDeadline(
          run(s, params),
          timeoutMs,
          () =>
            storeError(
              operation,
              new Error(`PostgreSQL did not answer within ${timeoutMs} ms.`),
              `PostgreSQL did not answer within ${timeoutMs} ms (timeoutMs); it may be down or unreachable`,
            ),
          onLate && ((result) => onLate(result.rows)),
        )
      ).rows;
    } catch (error) {
      if (error instanceof IdempotencyStoreError) throw error;
      // The parameters hold the scope, the key, the fingerprint and the token.
      const sent = params.filter((p): p is string => typeof p === 'string');
      throw storeError(operation, error, undefined, sent);
    }
  }

  return {
    async migrate() {
      for (const text of postgresSchema(table)) {
        for (let attempt = 1; ; attempt++) {
          try {
            await client.query(text, []);
            break;
          } catch (error) {
            // Another process created the same table or index at the same moment: its
            // transaction has committed, so the next `IF NOT EXISTS` sees the object.
            if (attempt < MAX_MIGRATE_ATTEMPTS && isCreateRace(error)) continue;
            throw storeError('migrate', error);
          }
        }
      }
    },

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
