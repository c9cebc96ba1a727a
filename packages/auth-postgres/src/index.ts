export {
  DEFAULT_POSTGRES_TABLE,
  type PostgresClientLike,
  type PostgresQueryResult,
  type PostgresTokenStore,
  type PostgresTokenStoreOptions,
  postgresTokenStore,
} from './postgres-token-store.js';
