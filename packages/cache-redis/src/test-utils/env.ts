import { Redis } from 'ioredis';

/** REDIS_URL, or undefined with a visible notice; under CI=true a missing URL fails the run. */
export function redisUrl(what: string): string | undefined {
  const url = process.env.REDIS_URL;
  if (url) return url;
  if (process.env.CI === 'true')
    throw new Error(`REDIS_URL is not set but CI=true: ${what} tests need a server.`);
  // biome-ignore lint/suspicious/noConsole: tests skip with a visible notice
  console.warn(`[@brace/cache-redis] REDIS_URL is not set: skipping ${what} tests.`);
  return undefined;
}

/** A key prefix no other run uses. */
export function randomPrefix(label: string): string {
  return `brace:test:cache:${label}:${crypto.randomUUID()}:`;
}

export async function connect(url: string, fragile = false): Promise<Redis> {
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

/** Deletes every key under a prefix (SCAN, never FLUSH*: the server is shared). */
export { deletePrefix } from 'brace-redis-prefix';
