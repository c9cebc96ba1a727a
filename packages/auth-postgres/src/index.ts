export {
  DEFAULT_POSTGRES_TABLE,
  type PostgresClientLike,
  type PostgresTokenStore,
  type PostgresTokenStoreOptions,
  postgresTokenStore,
} from './postgres-token-store.js';
