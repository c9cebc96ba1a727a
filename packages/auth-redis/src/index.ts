/**
 * Redis token store (`redisTokenStore`): one refresh per expiry across a fleet, with a fenced lock and pub/sub wake-ups.
 *
 * @module
 */
export type {
  IoredisLike,
  NodeRedisLike,
  RedisClientLike,
  RedisScript,
  RedisScriptRunner,
} from './client.js';
export {
  DEFAULT_REDIS_PREFIX,
  type RedisTokenStoreOptions,
  redisTokenStore,
} from './redis-token-store.js';
export {
  fromIoredisSubscriber,
  type IoredisSubscriberLike,
  MAX_SUBSCRIBED_KEYS,
  type RedisSubscriberLike,
} from './subscriber.js';
