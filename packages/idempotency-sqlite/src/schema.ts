import { IdempotencyOptionError } from '@brace/idempotency';

/** Default table name of {@link sqliteStore}: `brace_idempotency`. */
export const DEFAULT_SQLITE_TABLE = 'brace_idempotency';

/** A plain SQL identifier: a letter or `_`, then letters, digits or `_`; at most 63 characters. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws {@link IdempotencyOptionError} unless `table` is a plain identifier. */
export function checkTable(table: string): string {
  if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
    throw new IdempotencyOptionError(
      'table',
      'a plain SQL identifier: a letter or _ then letters, digits or _, at most 63 characters',
    );
  }
  return table;
}

/**
 * The statements that create the store's table and its index, for people who manage
 * migrations themselves (the store's `migrate()` runs exactly these). Times are integer
 * milliseconds since the Unix epoch; the body is a BLOB; headers are a JSON array of
 * `[name, value]` pairs. Idempotent (`IF NOT EXISTS`).
 *
 * @param table - the table name (a plain identifier); default {@link DEFAULT_SQLITE_TABLE}
 * @returns one SQL statement per array element, without trailing semicolons
 * @example
 * ```ts
 * import { sqliteSchema } from '@brace/idempotency-sqlite';
 *
 * for (const statement of sqliteSchema('idempotency_records')) database.exec(statement);
 * ```
 */
export function sqliteSchema(table: string = DEFAULT_SQLITE_TABLE): string[] {
  const t = checkTable(table);
  return [
    `CREATE TABLE IF NOT EXISTS "${t}" (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token TEXT,
  locked_until INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  response_status INTEGER,
  response_headers TEXT,
  response_body BLOB,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS "${t}_expires_at" ON "${t}" (expires_at)`,
  ];
}

/**
 * The schema of the default table ({@link DEFAULT_SQLITE_TABLE}) as one SQL script, ready
 * to paste into a migration file.
 *
 * @example
 * ```ts
 * import { SQLITE_SCHEMA } from '@brace/idempotency-sqlite';
 *
 * database.exec(SQLITE_SCHEMA);
 * ```
 */
export const SQLITE_SCHEMA: string = `${sqliteSchema().join(';\n')};\n`;
