// A multi-process test worker on the Redis store (bundled and spawned by the tests).
import { Redis } from 'ioredis';
import { runChild } from '../../../auth/src/test-utils/child-main.js';
import { redisTokenStore } from '../index.js';

await runChild(async () => {
  const client = new Redis(process.env.REDIS_URL as string);
  return {
    store: redisTokenStore({ client, prefix: process.env.AUTH_TEST_PREFIX as string }),
    close: () => client.quit(),
  };
});
