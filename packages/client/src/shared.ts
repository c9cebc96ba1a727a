import type { CacheStore } from '@brace/cache';
import type { RateLimitStore } from '@brace/rate-limit';

/**
 * Where the shared parts of a many-process deployment live: give your Redis client (ioredis,
 * iovalkey or node-redis) and every part that can share state uses it. Brace never opens a
 * connection of its own.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import type { SharedOptions } from '@brace/client';
 *
 * const shared: SharedOptions = { redis: new Redis(process.env.REDIS_URL ?? '') };
 * ```
 */
export interface SharedOptions {
  /** A Redis client. */
  redis?: unknown;
  /** Prefix of every key. Default `brace:<integration name>:`. */
  prefix?: string;
}

/** @internal */
export interface SharedStores {
  limiterStore: RateLimitStore | undefined;
  cacheStore: CacheStore | undefined;
  setup(): Promise<void>;
}

/** @internal The stores for `shared`. */
export function sharedStores(_name: string, _shared: SharedOptions | undefined): SharedStores {
  return { limiterStore: undefined, cacheStore: undefined, setup: async () => {} };
}
