/**
 * What the store needs from a PostgreSQL client: `query(text, params)` resolving
 * `{ rows }` with one object per row (`$1`-style placeholders). A `pg` `Pool`, `Client` or
 * `PoolClient` and a PGlite instance fit as they are; postgres.js fits with a one-line
 * wrapper (see the README). The store never connects or disconnects it.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { PostgresClient } from '@brace/idempotency-postgres';
 *
 * const client: PostgresClient = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface PostgresClient {
  /** Runs one statement with positional parameters. */
  query(
    text: string,
    params?: unknown[],
  ): Promise<{
    /** The result rows, one object per row keyed by column name. */
    rows: unknown[];
  }>;
}

/** One of the store's statements: its text and the name it is prepared under. */
export interface Statement {
  /** The SQL text, `$1`-style placeholders. */
  readonly text: string;
  /** `brace_idem_<operation>_<hash of text>`: stores on different tables never share a name. */
  readonly name: string;
}

/** Runs a statement with its parameters; resolves the client's result. */
export type StatementRunner = (
  statement: Statement,
  params: unknown[],
) => Promise<{ rows: unknown[] }>;

/** node-postgres' query config: a named statement is parsed and planned once per connection. */
interface NamedQueryClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const MASK_64 = (1n << 64n) - 1n;
const FNV_OFFSET_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;

/** FNV-1a (64 bits) over the UTF-16 code units of `text`, as 16 lowercase hex digits. */
function fnv1a64(text: string): string {
  let hash = FNV_OFFSET_64;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * FNV_PRIME_64) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The statement `text` of `operation`, with the name it is prepared under. */
export function statement(operation: string, text: string): Statement {
  return { text, name: `brace_idem_${operation}_${fnv1a64(text)}` };
}

/**
 * True for a node-postgres (`pg`) `Client`, `PoolClient` or `Pool` (the JavaScript client,
 * not `pg.native`): their `query` also takes a `{ name, text, values }` config and prepares a
 * named statement once per connection. Recognised by pg's own members (`connectionParameters`
 * and `escapeIdentifier` on a client; a `Client` class with `escapeIdentifier` and a numeric
 * `totalCount` on a pool), so PGlite and `{ query }` wrappers never match.
 */
export function isNodePostgres(client: unknown): boolean {
  if (typeof client !== 'object' || client === null) return false;
  const c = client as {
    connectionParameters?: unknown;
    escapeIdentifier?: unknown;
    Client?: unknown;
    totalCount?: unknown;
  };
  if (typeof c.escapeIdentifier === 'function' && typeof c.connectionParameters === 'object') {
    return c.connectionParameters !== null;
  }
  const Client = c.Client;
  return (
    typeof Client === 'function' &&
    typeof (Client.prototype as { escapeIdentifier?: unknown } | undefined)?.escapeIdentifier ===
      'function' &&
    typeof c.totalCount === 'number'
  );
}

/**
 * SQLSTATEs meaning a named statement cannot be used on this connection: it is missing
 * (26000: a pooler or `DISCARD ALL` dropped it), already exists under that name (42P05: a
 * transaction pooler mixed connections), or its cached plan no longer fits the table
 * (0A000: "cached plan must not change result type", after an `ALTER TABLE`).
 */
const PREPARED_STATEMENT_FAILURES = new Set(['26000', '42P05', '0A000']);

/** Whether `error` is one of {@link PREPARED_STATEMENT_FAILURES}. */
export function isPreparedStatementFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PREPARED_STATEMENT_FAILURES.has(code);
}

/**
 * Runs statements on `client`: as named (prepared) statements through node-postgres' query
 * config when `prepared`, else as `query(text, params)`. The first prepared-statement
 * failure ({@link isPreparedStatementFailure}) switches the runner to plain queries for
 * good and runs that statement again unnamed: a statement that failed this way did nothing
 * (each runs alone, so a failure rolls it back), and pg would keep failing on that connection.
 */
export function statementRunner(client: PostgresClient, prepared: boolean): StatementRunner {
  const plain: StatementRunner = (s, params) => client.query(s.text, params);
  if (!prepared) return plain;
  const named = client as unknown as NamedQueryClient;
  let usable = true;
  return async (s, values) => {
    if (!usable) return plain(s, values);
    try {
      return await named.query({ name: s.name, text: s.text, values });
    } catch (error) {
      if (!isPreparedStatementFailure(error)) throw error;
      usable = false;
      return plain(s, values);
    }
  };
}
