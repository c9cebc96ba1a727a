import { runStoreConformance } from '@brace/idempotency/testing';
import type { Redis } from 'ioredis';
import { describe } from 'vitest';
import { redisStore } from './index.js';
import {
  connectIoredis,
  connectNodeRedis,
  deletePrefix,
  type NodeRedisClient,
} from './test-utils/clients.js';
import { randomPrefix, serverUrl } from './test-utils/env.js';

const url = serverUrl('REDIS_URL', 'Redis conformance');

describe.skipIf(!url)('redisStore on a real server', () => {
  // Real time, as in production: the suite waits out its short TTLs.
  let io: Redis;
  const ioPrefix = randomPrefix('conformance-ioredis');
  runStoreConformance(
    'redisStore (ioredis)',
    async () => {
      io = await connectIoredis(url as string);
      return redisStore({ client: io, prefix: ioPrefix });
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        await deletePrefix(io, ioPrefix);
        io.disconnect();
      },
    },
  );

  let nr: NodeRedisClient;
  let cleaner: Redis;
  const nrPrefix = randomPrefix('conformance-node-redis');
  runStoreConformance(
    'redisStore (node-redis)',
    async () => {
      nr = await connectNodeRedis(url as string);
      return redisStore({ client: nr, prefix: nrPrefix });
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        cleaner = await connectIoredis(url as string);
        await deletePrefix(cleaner, nrPrefix);
        cleaner.disconnect();
        nr.destroy();
      },
    },
  );
});
