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
