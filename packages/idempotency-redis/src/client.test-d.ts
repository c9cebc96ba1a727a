import type { IdempotencyStore } from '@brace/idempotency';
import type { Cluster, Redis } from 'ioredis';
import type { createClient, createCluster } from 'redis';
import { describe, expectTypeOf, it } from 'vitest';
import {
  fromIoredis,
  fromNodeRedis,
  type IoredisLike,
  type NodeRedisLike,
  type RedisClientLike,
  type RedisScriptRunner,
  redisStore,
} from './index.js';

type NodeRedisClient = ReturnType<typeof createClient>;
type NodeRedisCluster = ReturnType<typeof createCluster>;

/** iovalkey is an ioredis fork: a minimal stand-in of its documented eval API. */
interface IovalkeyStandIn {
  evalsha(
    sha1: string | Buffer,
    numkeys: number | string,
    ...args: (string | Buffer | number)[]
  ): Promise<unknown>;
  eval(
    script: string | Buffer,
    numkeys: number | string,
    ...args: (string | Buffer | number)[]
  ): Promise<unknown>;
}

describe('client types', () => {
  it('ioredis Redis and Cluster fit IoredisLike', () => {
    expectTypeOf<Redis>().toExtend<IoredisLike>();
    expectTypeOf<Cluster>().toExtend<IoredisLike>();
    expectTypeOf<Redis>().toExtend<RedisClientLike>();
  });

  it('a node-redis client fits NodeRedisLike', () => {
    expectTypeOf<NodeRedisClient>().toExtend<NodeRedisLike>();
    expectTypeOf<NodeRedisClient>().toExtend<RedisClientLike>();
    expectTypeOf<NodeRedisCluster>().toExtend<RedisClientLike>();
  });

  it('iovalkey fits IoredisLike', () => {
    expectTypeOf<IovalkeyStandIn>().toExtend<IoredisLike>();
  });

  it('other shapes do not fit', () => {
    expectTypeOf<{ get(key: string): Promise<string | null> }>().not.toExtend<RedisClientLike>();
    expectTypeOf<{ eval(script: string): Promise<unknown> }>().not.toExtend<RedisClientLike>();
  });

  it('the helpers and the store have the documented shapes', () => {
    expectTypeOf(fromIoredis).returns.toEqualTypeOf<RedisScriptRunner>();
    expectTypeOf(fromNodeRedis).returns.toEqualTypeOf<RedisScriptRunner>();
    expectTypeOf(redisStore).returns.toEqualTypeOf<IdempotencyStore>();
  });
});
