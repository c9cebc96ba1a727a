/**
 * Embedded SQLite store for the idempotency middleware (`node:sqlite` or better-sqlite3).
 *
 * @module
 */
export { IdempotencyStoreError } from '@brace/idempotency';
export { DEFAULT_SQLITE_TABLE, SQLITE_SCHEMA, sqliteSchema } from './schema.js';
export {
  type SqliteDatabase,
  type SqliteIdempotencyStore,
  type SqliteStatement,
  type SqliteStoreOptions,
  type SqliteValue,
  sqliteStore,
} from './sqlite-store.js';
