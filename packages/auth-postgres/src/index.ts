/**
 * PostgreSQL token store (`postgresTokenStore`): one refresh per expiry across a fleet, with a fenced lock.
 *
 * @module
 */
export {
  DEFAULT_POSTGRES_TABLE,
  type PostgresClientLike,
  type PostgresQueryResult,
  type PostgresTokenStore,
  type PostgresTokenStoreOptions,
  postgresTokenStore,
} from './postgres-token-store.js';
