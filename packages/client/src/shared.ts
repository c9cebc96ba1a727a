import type { TokenStore } from '@brace/auth';
import { type PostgresClientLike, postgresTokenStore } from '@brace/auth-postgres';
import { redisTokenStore } from '@brace/auth-redis';
import type { CacheStore } from '@brace/cache';
import { redisStore as redisCacheStore } from '@brace/cache-redis';
import type { RateLimitStore } from '@brace/rate-limit';
import { redisStore as redisLimitStore } from '@brace/rate-limit-redis';
import { ClientOptionError } from './errors.js';

/**
 * Where the shared parts of a many-process deployment live. Give your Redis client (ioredis,
 * iovalkey or node-redis) and/or your PostgreSQL client (pg, postgres.js, PGlite) and every part
 * that can share state uses it; Brace never opens a connection of its own.
 *
 * | part | `redis` | `postgres` |
 * |---|---|---|
 * | rate limit (the limiter's counters and server pauses) | yes | – |
 * | HTTP cache (entries and the miss lock) | yes | – |
 * | OAuth token (`auth: { grant }`: one refresh per expiry for the fleet) | yes | yes (when no `redis`) |
 *
 * Telemetry stays per process (merge processes' figures in your metrics backend).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { SharedOptions } from '@brace/client';
 *
 * const shared: SharedOptions = { redis: new Redis(process.env.REDIS_URL ?? '') };
 * ```
 */
export interface SharedOptions {
  /** A Redis client: ioredis, iovalkey or node-redis (typed loosely; each store checks it). */
  redis?: unknown;
  /** A PostgreSQL client: pg (Pool or Client), postgres.js or PGlite. */
  postgres?: PostgresClientLike;
  /** Prefix of every Redis key. Default `brace:<integration name>:`. */
  prefix?: string;
  /** The PostgreSQL token table (`schema.table` allowed). Default: `@brace/auth-postgres`'s. */
  table?: string;
}

/** @internal */
export interface SharedStores {
  limiterStore: RateLimitStore | undefined;
  cacheStore: CacheStore | undefined;
  tokenStore: TokenStore | undefined;
  setup(): Promise<void>;
}

/** @internal The stores for `shared`. */
export function sharedStores(name: string, shared: SharedOptions | undefined): SharedStores {
  const stores: SharedStores = {
    limiterStore: undefined,
    cacheStore: undefined,
    tokenStore: undefined,
    setup: async () => {},
  };
  if (shared === undefined) return stores;
  const prefix = shared.prefix ?? `brace:${name}:`;
  if (shared.redis !== undefined) {
    if (typeof shared.redis !== 'object' || shared.redis === null) {
      throw new ClientOptionError('shared.redis', 'an ioredis, iovalkey or node-redis client');
    }
    const client = shared.redis as never;
    stores.limiterStore = redisLimitStore({ client, prefix: `${prefix}rl:` });
    stores.cacheStore = redisCacheStore({ client, prefix: `${prefix}cache:` });
    stores.tokenStore = redisTokenStore({ client, prefix: `${prefix}auth:` });
  }
  if (shared.postgres !== undefined && stores.tokenStore === undefined) {
    const store = postgresTokenStore({ client: shared.postgres, table: shared.table });
    stores.tokenStore = store;
    stores.setup = () => store.migrate();
  }
  return stores;
}
