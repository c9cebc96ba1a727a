export type { PostgresClient } from './client.js';
export { IdempotencyStoreError } from './errors.js';
export {
  type PostgresIdempotencyStore,
  type PostgresStoreOptions,
  postgresStore,
} from './postgres-store.js';
export { DEFAULT_POSTGRES_TABLE, POSTGRES_SCHEMA, postgresSchema } from './schema.js';
