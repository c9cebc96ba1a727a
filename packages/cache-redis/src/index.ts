/**
 * Redis cache store (`redisStore`): entries and coalesced misses shared by every process.
 *
 * @module
 */
export { CacheStoreError } from '@brace/cache';
export type { IoredisLike, NodeRedisLike, RedisClientLike, RedisScriptRunner } from './client.js';
export {
  DEFAULT_REDIS_CACHE_PREFIX,
  type RedisCacheStoreOptions,
  redisStore,
} from './redis-store.js';
export type { RedisScript } from './scripts.js';
