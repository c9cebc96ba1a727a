/**
 * Redis store for `@brace/rate-limit`: one rate limit shared by many processes and machines.
 *
 * @module
 */
export { RateLimitStoreError } from './errors.js';
export type { RedisOutageEvent } from './outage.js';
export {
  DEFAULT_ON_STORE_ERROR,
  DEFAULT_PREFIX,
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  type IoRedisLikeClient,
  type NodeRedisLikeClient,
  type RedisClientLike,
  type RedisEvalAdapter,
  type RedisStore,
  type RedisStoreErrorEvent,
  type RedisStoreOptions,
  redisStore,
} from './redis-store.js';
