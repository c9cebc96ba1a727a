import type { CacheStore } from '@brace/cache';
import type { Cluster, Redis } from 'ioredis';
import type { createClient, createCluster } from 'redis';
import { describe, expectTypeOf, it } from 'vitest';
import { type IoredisLike, type NodeRedisLike, type RedisClientLike, redisStore } from './index.js';

describe('client types', () => {
  it('ioredis, node-redis clients and clusters fit', () => {
    expectTypeOf<Redis>().toExtend<IoredisLike>();
    expectTypeOf<Cluster>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createClient>>().toExtend<NodeRedisLike>();
    expectTypeOf<ReturnType<typeof createCluster>>().toExtend<RedisClientLike>();
  });

  it('other shapes do not fit; the store is a CacheStore', () => {
    expectTypeOf<{ get(key: string): Promise<string | null> }>().not.toExtend<RedisClientLike>();
    expectTypeOf(redisStore).returns.toEqualTypeOf<CacheStore>();
  });
});
