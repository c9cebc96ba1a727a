/**
 * PostgreSQL store for the idempotency middleware (node-postgres `pg` pools, clients or any compatible client).
 *
 * @module
 */
export { IdempotencyStoreError } from '@brace/idempotency';
export type { PostgresClient } from './client.js';
export {
  DEFAULT_POSTGRES_TIMEOUT_MS,
  type PostgresIdempotencyStore,
  type PostgresStoreOptions,
} from './options.js';
export { postgresStore } from './postgres-store.js';
export { DEFAULT_POSTGRES_TABLE, POSTGRES_SCHEMA, postgresSchema } from './schema.js';
