// A multi-process test worker on the Redis store (bundled and spawned by the tests); waiters
// wake by pub/sub on a second connection.

import { fromIoredisSubscriber, redisTokenStore } from '@brace/auth-redis';
import { Redis } from 'ioredis';
import { runChild } from '../auth/test-utils/child-main.js';

await runChild(async () => {
  const client = new Redis(process.env.REDIS_URL as string);
  const subscriber = client.duplicate();
  return {
    store: redisTokenStore({
      client,
      prefix: process.env.AUTH_TEST_PREFIX as string,
      subscriber: fromIoredisSubscriber(subscriber),
    }),
    close: () => Promise.all([client.quit(), subscriber.quit()]),
  };
});
