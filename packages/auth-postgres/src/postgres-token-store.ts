import { AuthOptionError, type TokenSet, type TokenStore } from '@brace/auth';

/**
 * The client shape the store needs: `query(text, params)` resolving `{ rows }`. pg's
 * `Client` and `Pool` and PGlite fit as they are; for postgres.js pass
 * `{ query: (text, params) => sql.unsafe(text, params).then((rows) => ({ rows })) }`.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { PostgresClientLike } from '@brace/auth-postgres';
 *
 * const client: PostgresClientLike = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface PostgresClientLike {
  /** Runs one statement with `$n` parameters. */
  query(text: string, params?: unknown[]): Promise<PostgresQueryResult>;
}

/**
 * What a query resolves to.
 *
 * @example
 * ```ts
 * import type { PostgresQueryResult } from '@brace/auth-postgres';
 *
 * const empty: PostgresQueryResult = { rows: [] };
 * ```
 */
export interface PostgresQueryResult {
  /** One object per row, keyed by column name. */
  rows: unknown[];
}

/** Default table name. */
export const DEFAULT_POSTGRES_TABLE = 'brace_auth_tokens';

/**
 * Options of {@link postgresTokenStore}.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { PostgresTokenStoreOptions } from '@brace/auth-postgres';
 *
 * const options: PostgresTokenStoreOptions = { client: new pg.Pool(), table: 'auth_tokens' };
 * ```
 */
export interface PostgresTokenStoreOptions {
  /** Your client or pool; never connected or closed here. */
  client: PostgresClientLike;
  /** The table (optionally `schema.table`), default {@link DEFAULT_POSTGRES_TABLE}. */
  table?: string;
}

/**
 * A {@link TokenStore} on PostgreSQL, plus `migrate()` to create its table.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { postgresTokenStore } from '@brace/auth-postgres';
 *
 * const store = postgresTokenStore({ client: new pg.Pool() });
 * await store.migrate();
 * ```
 */
export interface PostgresTokenStore extends TokenStore {
  /** Creates the table if it does not exist (safe to run from many processes at once). */
  migrate(): Promise<void>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `"schema"."table"` from a checked name. */
function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) {
    throw new AuthOptionError('table', 'an identifier or schema.identifier (letters, digits, _)');
  }
  return parts.map((p) => `"${p}"`).join('.');
}

/** Reads a token out of a jsonb column (an object, or text from some drivers). */
function tokenOf(raw: unknown): TokenSet | undefined {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const t = value as Partial<TokenSet> | null;
  if (typeof t?.accessToken !== 'string' || typeof t.expiresAt !== 'number') return undefined;
  return {
    accessToken: t.accessToken,
    tokenType: typeof t.tokenType === 'string' ? t.tokenType : 'bearer',
    expiresAt: t.expiresAt,
    issuedAt: typeof t.issuedAt === 'number' ? t.issuedAt : undefined,
    refreshToken: typeof t.refreshToken === 'string' ? t.refreshToken : undefined,
  };
}

const num = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : Number(v);

/** Errors of a concurrent CREATE TABLE IF NOT EXISTS that lost the race. */
const CREATE_RACE = new Set(['23505', '42P07']);

/**
 * A {@link TokenStore} on PostgreSQL: one row per key; the lock is `locked_by` plus
 * `lock_until` on the server's clock, taken with one `INSERT ... ON CONFLICT DO UPDATE
 * ... WHERE` (atomic); fences come from the row's counter. Waiters poll.
 *
 * The row holds the refresh token in clear: restrict the table to the app's role.
 *
 * @param options - the client and table
 * @returns the store, with `migrate()`
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createTokenManager, refreshToken } from '@brace/auth';
 * import { postgresTokenStore } from '@brace/auth-postgres';
 *
 * const store = postgresTokenStore({ client: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * await store.migrate();
 * const auth = createTokenManager({
 *   grant: refreshToken({ tokenUrl: 'https://id.example.com/token', clientId: 'app', load: async () => process.env.RT }),
 *   store,
 *   key: 'crm',
 * });
 * ```
 */
export function postgresTokenStore(options: PostgresTokenStoreOptions): PostgresTokenStore {
  const client = options?.client;
  if (typeof client?.query !== 'function') {
    throw new AuthOptionError('client', 'a client with query(text, params) (pg, PGlite)');
  }
  const t = quoteTable(options.table ?? DEFAULT_POSTGRES_TABLE);
  const until = `clock_timestamp() + $2::bigint * interval '1 millisecond'`;
  const sql = {
    create: `CREATE TABLE IF NOT EXISTS ${t} (
      key text PRIMARY KEY,
      version bigint NOT NULL DEFAULT 0,
      token jsonb,
      pending bigint,
      fence bigint NOT NULL DEFAULT 0,
      locked_by bigint,
      lock_until timestamptz)`,
    load: `SELECT version, token, pending FROM ${t} WHERE key = $1`,
    lock: `INSERT INTO ${t} AS s (key, fence, locked_by, lock_until) VALUES ($1, 1, 1, ${until})
      ON CONFLICT (key) DO UPDATE SET fence = s.fence + 1, locked_by = s.fence + 1, lock_until = ${until}
      WHERE s.locked_by IS NULL OR s.lock_until <= clock_timestamp()
      RETURNING fence`,
    claim: `UPDATE ${t} SET pending = $2 WHERE key = $1 AND fence = $2 RETURNING 1 AS ok`,
    save: `UPDATE ${t} SET version = version + 1, token = $3::jsonb, pending = NULL,
      locked_by = CASE WHEN locked_by = $2 THEN NULL ELSE locked_by END
      WHERE key = $1 AND fence = $2 RETURNING 1 AS ok`,
    renew: `UPDATE ${t} SET lock_until = ${until.replace('$2', '$3')}
      WHERE key = $1 AND fence = $2 AND locked_by = $2 AND lock_until > clock_timestamp()
      RETURNING 1 AS ok`,
    unlock: `UPDATE ${t} SET locked_by = CASE WHEN locked_by = $2 THEN NULL ELSE locked_by END,
      pending = CASE WHEN $3::boolean AND pending = $2 THEN NULL ELSE pending END
      WHERE key = $1 AND fence = $2`,
  };
  const rows = async (text: string, params: unknown[]) =>
    (await client.query(text, params)).rows as Array<Record<string, unknown>>;

  return {
    async migrate() {
      try {
        await client.query(sql.create);
      } catch (error) {
        if (!CREATE_RACE.has(String((error as { code?: unknown }).code))) throw error;
      }
    },
    async load(key) {
      const [row] = await rows(sql.load, [key]);
      if (row === undefined) return undefined;
      const version = num(row.version) ?? 0;
      const pending = num(row.pending);
      if (version === 0 && pending === undefined) return undefined;
      return { version, token: tokenOf(row.token), pending };
    },
    async lock(key, ttlMs) {
      const [row] = await rows(sql.lock, [key, Math.max(1, Math.ceil(ttlMs))]);
      return num(row?.fence);
    },
    async claim(key, fence) {
      return (await rows(sql.claim, [key, fence])).length === 1;
    },
    async save(key, fence, token) {
      const json = JSON.stringify({
        accessToken: token.accessToken,
        tokenType: token.tokenType,
        expiresAt: token.expiresAt,
        issuedAt: token.issuedAt,
        refreshToken: token.refreshToken,
      });
      return (await rows(sql.save, [key, fence, json])).length === 1;
    },
    async unlock(key, fence, clearClaim) {
      await client.query(sql.unlock, [key, fence, clearClaim]);
    },
    async renew(key, fence, ttlMs) {
      return (await rows(sql.renew, [key, fence, Math.max(1, Math.ceil(ttlMs))])).length === 1;
    },
  };
}
