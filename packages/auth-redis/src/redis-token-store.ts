import { AuthOptionError, type TokenRecord, type TokenSet, type TokenStore } from '@brace/auth';
import { type RedisClientLike, toRunner } from './client.js';
import { CLAIM, LOAD, LOCK, RENEW, SAVE, UNLOCK } from './scripts.js';
import { type RedisSubscriberLike, waiters } from './subscriber.js';

/** Default key prefix: `brace:auth:`. */
export const DEFAULT_REDIS_PREFIX = 'brace:auth:';

/**
 * Options of {@link redisTokenStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisTokenStoreOptions } from '@brace/auth-redis';
 *
 * const options: RedisTokenStoreOptions = { client: new Redis(), prefix: 'myapp:auth:' };
 * ```
 */
export interface RedisTokenStoreOptions {
  /** Your connected client (ioredis, iovalkey, node-redis, or a runner); never connected or closed here. */
  client: RedisClientLike;
  /** Prepended to every key (default {@link DEFAULT_REDIS_PREFIX}). */
  prefix?: string;
  /**
   * A dedicated connection in subscriber mode: waiters wake on the refresher's save (PUBLISH)
   * instead of at their next poll. Without it, waiters poll.
   */
  subscriber?: RedisSubscriberLike;
}

/** Parses the stored token JSON; undefined for anything malformed. */
function parseToken(raw: unknown): TokenSet | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const t = JSON.parse(raw) as Partial<TokenSet>;
    if (typeof t.accessToken !== 'string' || typeof t.expiresAt !== 'number') return undefined;
    return {
      accessToken: t.accessToken,
      tokenType: typeof t.tokenType === 'string' ? t.tokenType : 'bearer',
      expiresAt: t.expiresAt,
      issuedAt: typeof t.issuedAt === 'number' ? t.issuedAt : undefined,
      refreshToken: typeof t.refreshToken === 'string' ? t.refreshToken : undefined,
    };
  } catch {
    return undefined;
  }
}

/** An integer reply (ioredis may hand integers over as strings). */
const int = (reply: unknown): number | undefined =>
  reply === null || reply === undefined || reply === false ? undefined : Number(reply);

/**
 * A {@link TokenStore} on Redis: the token record in one hash, the refresh lock in a key
 * with a server-side PX expiry, fencing by an `HINCRBY` counter, every step one Lua
 * script (atomic; Cluster-safe through a `{key}` hash tag). Waiters poll, or wake on a
 * PUBLISH when a `subscriber` connection is given.
 *
 * The record holds the refresh token in clear: protect the Redis server as you would the
 * secret itself (ACLs, TLS, a dedicated prefix).
 *
 * @param options - the client and key prefix
 * @returns a token store for `createTokenManager({ store })`
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { clientCredentials, createTokenManager } from '@brace/auth';
 * import { redisTokenStore } from '@brace/auth-redis';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({ tokenUrl: 'https://id.example.com/token', clientId: 'app', clientSecret: 's' }),
 *   store: redisTokenStore({ client: new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') }),
 *   key: 'orders-api',
 * });
 * ```
 */
export function redisTokenStore(options: RedisTokenStoreOptions): TokenStore {
  const runner = toRunner(options?.client);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== 'string' || prefix.length > 1024) {
    throw new AuthOptionError('prefix', 'a string of at most 1024 characters');
  }
  // One hash tag per token key: both keys land in the same Cluster slot.
  const keys = (key: string) => [`${prefix}{${key}}:state`, `${prefix}{${key}}:lock`];
  const channel = (key: string) => `${prefix}{${key}}:changed`;
  const wait = options.subscriber === undefined ? undefined : waiters(options.subscriber);

  const store: TokenStore = {
    async load(key) {
      const reply = (await runner.runScript(LOAD, keys(key), [])) as unknown[];
      const [v, token, pending] = Array.isArray(reply) ? reply : [];
      const version = int(v) ?? 0;
      const pendingFence = int(pending);
      if (version === 0 && pendingFence === undefined) return undefined;
      const record: TokenRecord = { version, token: parseToken(token), pending: pendingFence };
      return record;
    },
    async lock(key, ttlMs) {
      const ttl = String(Math.max(1, Math.ceil(ttlMs)));
      return int(await runner.runScript(LOCK, keys(key), [ttl]));
    },
    async claim(key, fence) {
      return int(await runner.runScript(CLAIM, keys(key), [String(fence)])) === 1;
    },
    async save(key, fence, token) {
      const json = JSON.stringify({
        accessToken: token.accessToken,
        tokenType: token.tokenType,
        expiresAt: token.expiresAt,
        issuedAt: token.issuedAt,
        refreshToken: token.refreshToken,
      });
      const args = [String(fence), json, channel(key)];
      return int(await runner.runScript(SAVE, keys(key), args)) === 1;
    },
    async unlock(key, fence, clearClaim) {
      const args = [String(fence), clearClaim ? '1' : '0', channel(key)];
      await runner.runScript(UNLOCK, keys(key), args);
    },
    async renew(key, fence, ttlMs) {
      const ttl = String(Math.max(1, Math.ceil(ttlMs)));
      return int(await runner.runScript(RENEW, keys(key), [String(fence), ttl])) === 1;
    },
  };
  if (wait !== undefined) {
    store.waitForChange = (key, version, signal) =>
      wait(channel(key), signal, async () => ((await store.load(key))?.version ?? 0) !== version);
  }
  return store;
}
