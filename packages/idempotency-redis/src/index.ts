/**
 * Redis store for the idempotency middleware (ioredis or node-redis clients).
 *
 * @module
 */
export { IdempotencyStoreError } from '@brace/idempotency';
export {
  fromIoredis,
  fromNodeRedis,
  type IoredisLike,
  type NodeRedisEvalOptions,
  type NodeRedisLike,
  type RedisClientLike,
  type RedisScriptRunner,
} from './client.js';
export {
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_TIMEOUT_MS,
  type RedisStoreOptions,
  redisStore,
} from './redis-store.js';
export type { RedisScript } from './scripts.js';
