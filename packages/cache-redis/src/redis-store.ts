import {
  type CacheEntryMeta,
  CacheOptionError,
  type CacheStore,
  CacheStoreError,
} from '@brace/cache';
import { base64 } from './base64.js';
import { type RedisClientLike, toScriptRunner } from './client.js';
import {
  DEL_SCRIPT,
  GET_SCRIPT,
  LOCK_SCRIPT,
  type RedisScript,
  SET_SCRIPT,
  UNLOCK_SCRIPT,
} from './scripts.js';

/**
 * Default key prefix of {@link redisStore}: `brace:cache:`.
 *
 * @example
 * ```ts
 * import { DEFAULT_REDIS_CACHE_PREFIX } from '@brace/cache-redis';
 *
 * console.log(DEFAULT_REDIS_CACHE_PREFIX); // 'brace:cache:'
 * ```
 */
export const DEFAULT_REDIS_CACHE_PREFIX = 'brace:cache:';

/**
 * Options of {@link redisStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisCacheStoreOptions } from '@brace/cache-redis';
 *
 * const options: RedisCacheStoreOptions = { client: new Redis(), prefix: 'rates-api:cache:' };
 * ```
 */
export interface RedisCacheStoreOptions {
  /** Your connected client (ioredis, iovalkey, node-redis, or a runner). Never connected or closed by the store. */
  client: RedisClientLike;
  /** Prepended to every key (0 to 1024 characters). Default {@link DEFAULT_REDIS_CACHE_PREFIX}. */
  prefix?: string;
}

/**
 * A `CacheStore` (from `@brace/cache`) in Redis or Valkey, on the client you pass. Entries are
 * strings `<meta JSON>\n<body base64>` at `<prefix>e:<key>` with a PX expiry (Redis drops them,
 * no sweep); bodies come back byte for byte. Locks are `SET NX PX` at `<prefix>l:<key>`,
 * released by compare-and-delete, so concurrent misses in several processes make one origin
 * request. One key per script, so it runs on Redis Cluster. Failures reject with
 * `CacheStoreError`, which the cache turns into "no caching" plus an event.
 *
 * @param options - the client and key prefix
 * @returns the store
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createCache } from '@brace/cache';
 * import { redisStore } from '@brace/cache-redis';
 *
 * const cache = createCache({ store: redisStore({ client: new Redis(process.env.REDIS_URL!) }) });
 * ```
 */
export function redisStore(options: RedisCacheStoreOptions): CacheStore {
  const runner = toScriptRunner(options.client);
  const prefix = options.prefix ?? DEFAULT_REDIS_CACHE_PREFIX;
  if (typeof prefix !== 'string' || prefix.length > 1024) {
    throw new CacheOptionError('prefix', 'a string of 0 to 1024 characters');
  }
  const run = async (operation: string, script: RedisScript, key: string, args: string[]) => {
    try {
      return await runner.runScript(script, [key], args);
    } catch (error) {
      throw new CacheStoreError('Redis', operation, error);
    }
  };
  const ttl = (ms: number) => String(Math.max(1, Math.ceil(ms)));

  return {
    async get(key) {
      const reply = await run('get', GET_SCRIPT, `${prefix}e:${key}`, []);
      if (reply === null || reply === undefined) return undefined;
      const text = String(reply);
      const split = text.indexOf('\n');
      try {
        if (split < 0) throw new TypeError('Not a cache entry.');
        return {
          meta: JSON.parse(text.slice(0, split)) as CacheEntryMeta,
          body: base64.decode(text.slice(split + 1)),
        };
      } catch (error) {
        throw new CacheStoreError('Redis', 'get', error);
      }
    },
    async set(key, entry, ttlMs) {
      await run('set', SET_SCRIPT, `${prefix}e:${key}`, [
        `${JSON.stringify(entry.meta)}\n${base64.encode(entry.body)}`,
        ttl(ttlMs),
      ]);
    },
    async delete(key) {
      await run('delete', DEL_SCRIPT, `${prefix}e:${key}`, []);
    },
    async lock(key, ttlMs) {
      const token = crypto.randomUUID();
      const reply = await run('lock', LOCK_SCRIPT, `${prefix}l:${key}`, [token, ttl(ttlMs)]);
      return Number(reply) === 1 ? token : undefined;
    },
    async unlock(key, token) {
      await run('unlock', UNLOCK_SCRIPT, `${prefix}l:${key}`, [token]);
    },
  };
}
