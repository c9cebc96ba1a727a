/**
 * The two commands {@link deletePrefix} sends, as ioredis (and iovalkey) declare them; a
 * structural type, so this workspace depends on no client library.
 */
export interface ScanDelClient {
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    batch: number,
  ): Promise<[cursor: string, keys: string[]]>;
  del(...keys: string[]): Promise<number>;
}

/**
 * Deletes every key under `prefix` and returns how many were deleted. It walks the keyspace
 * with SCAN, never FLUSH*: the server is shared by other runs, helpers and the demo.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { deletePrefix } from 'brace-redis-prefix';
 *
 * const client = new Redis('redis://127.0.0.1:6379');
 * afterAll(async () => {
 *   await deletePrefix(client, 'brace:test:cache:1b2c:');
 *   client.disconnect();
 * });
 * ```
 */
export async function deletePrefix(
  client: ScanDelClient,
  prefix: string,
  batch = 1000,
): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', batch);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
