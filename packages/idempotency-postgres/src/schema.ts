import { IdempotencyOptionError } from '@brace/idempotency';

/** Default table name of {@link postgresStore}: `brace_idempotency`. */
export const DEFAULT_POSTGRES_TABLE = 'brace_idempotency';

/**
 * A table name, optionally schema-qualified: plain identifiers (a letter or `_`, then
 * letters, digits or `_`), at most 52 characters for the table so that its index name
 * (`<table>_expires_at`) stays within PostgreSQL's 63.
 */
const TABLE = /^(?:[A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,51}$/;

/** The quoted table and the (unqualified) index name for a checked table option. */
export interface TableNames {
  /** `"schema"."table"` or `"table"`. */
  table: string;
  /** `"table_expires_at"`. */
  index: string;
}

/** Throws {@link IdempotencyOptionError} unless `table` is a plain (optionally qualified) name. */
export function tableNames(table: string): TableNames {
  if (typeof table !== 'string' || !TABLE.test(table)) {
    throw new IdempotencyOptionError(
      'table',
      'a plain SQL identifier, optionally schema-qualified (schema.table): a letter or _ then letters, digits or _, at most 52 characters for the table',
    );
  }
  const parts = table.split('.');
  const name = parts[parts.length - 1] as string;
  return { table: parts.map((p) => `"${p}"`).join('.'), index: `"${name}_expires_at"` };
}

/**
 * The statements that create the store's table and its index, for people who manage
 * migrations themselves (the store's `migrate()` runs exactly these). A logged table (not
 * UNLOGGED: records survive a crash); times are `timestamptz`; headers are `jsonb` (an
 * array of `[name, value]` pairs); the body is `bytea`. Idempotent (`IF NOT EXISTS`).
 *
 * @param table - the table name, optionally schema-qualified; default {@link DEFAULT_POSTGRES_TABLE}
 * @returns one SQL statement per array element, without trailing semicolons
 * @example
 * ```ts
 * import { postgresSchema } from '@brace/idempotency-postgres';
 *
 * for (const statement of postgresSchema('app.idempotency')) await pool.query(statement);
 * ```
 */
export function postgresSchema(table: string = DEFAULT_POSTGRES_TABLE): string[] {
  const names = tableNames(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${names.table} (
  scope text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  status text NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token text,
  locked_until timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  response_status integer,
  response_headers jsonb,
  response_body bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
)`,
    `CREATE INDEX IF NOT EXISTS ${names.index} ON ${names.table} (expires_at)`,
  ];
}

/**
 * The schema of the default table ({@link DEFAULT_POSTGRES_TABLE}) as one SQL script, ready
 * to paste into a migration file.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { POSTGRES_SCHEMA } from '@brace/idempotency-postgres';
 *
 * writeFileSync('migrations/0042_idempotency.sql', POSTGRES_SCHEMA);
 * ```
 */
export const POSTGRES_SCHEMA: string = `${postgresSchema().join(';\n')};\n`;
