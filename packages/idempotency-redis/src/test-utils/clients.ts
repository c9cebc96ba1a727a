import { Redis } from 'ioredis';
import { createClient } from 'redis';

/** A node-redis v5 client, as the tests connect it. */
export type NodeRedisClient = ReturnType<typeof createClient>;

/** Connects an ioredis client; `fragile` disables reconnects and retries (for fault tests). */
export async function connectIoredis(url: string, fragile = false): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    ...(fragile
      ? { retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false }
      : {}),
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Connects a node-redis client; `fragile` disables reconnects (for fault tests). */
export async function connectNodeRedis(url: string, fragile = false): Promise<NodeRedisClient> {
  const client = createClient({
    url,
    ...(fragile ? { socket: { reconnectStrategy: false as const } } : {}),
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Deletes every key under a prefix (SCAN, never FLUSH*: the server is shared). */
export { deletePrefix } from 'brace-redis-prefix';
