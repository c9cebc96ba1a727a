import { CacheOptionError } from '@brace/cache';
import type { RedisScript } from './scripts.js';

/**
 * The shape of an ioredis (or iovalkey) client, `Redis` or `Cluster`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { IoredisLike } from '@brace/cache-redis';
 *
 * const client: IoredisLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface IoredisLike {
  /** EVALSHA with the number of keys, then the keys, then the arguments. */
  evalsha(sha1: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** EVAL with the number of keys, then the keys, then the arguments. */
  eval(script: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * The shape of a node-redis (v4, v5) client.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { NodeRedisLike } from '@brace/cache-redis';
 *
 * const client: NodeRedisLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisLike {
  /** EVALSHA with keys and arguments in an options object. */
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** EVAL with keys and arguments in an options object. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Any other client (Upstash, a tracing wrapper): run one script and resolve its reply (bulk
 * strings as strings, integers as numbers, nil as null).
 *
 * @example
 * ```ts
 * import type { RedisScriptRunner } from '@brace/cache-redis';
 *
 * const runner: RedisScriptRunner = { runScript: (script, keys, args) => upstash.eval(script.source, keys, args) };
 * ```
 */
export interface RedisScriptRunner {
  /** Runs `script` with `keys` and `args`; resolves the reply. */
  runScript(script: RedisScript, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * What `redisStore` accepts as `client`, told apart by their methods.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from '@brace/cache-redis';
 *
 * const client: RedisClientLike = new Redis();
 * ```
 */
export type RedisClientLike = IoredisLike | NodeRedisLike | RedisScriptRunner;

function isNoScript(error: unknown): boolean {
  return String((error as { message?: unknown } | null)?.message).startsWith('NOSCRIPT');
}

/** Picks the runner for `client` by its methods; throws when none fits. */
export function toScriptRunner(client: RedisClientLike): RedisScriptRunner {
  const c = client as Partial<IoredisLike & NodeRedisLike & RedisScriptRunner> | undefined;
  if (typeof c?.runScript === 'function') return client as RedisScriptRunner;
  if (typeof c?.evalSha === 'function') {
    const nr = client as NodeRedisLike;
    return {
      async runScript(script, keys, args) {
        const options = { keys, arguments: args };
        try {
          return await nr.evalSha(script.sha1, options);
        } catch (error) {
          if (!isNoScript(error)) throw error;
          return nr.eval(script.source, options);
        }
      },
    };
  }
  if (typeof c?.evalsha === 'function') {
    const io = client as IoredisLike;
    return {
      async runScript(script, keys, args) {
        try {
          return await io.evalsha(script.sha1, keys.length, ...keys, ...args);
        } catch (error) {
          if (!isNoScript(error)) throw error;
          return io.eval(script.source, keys.length, ...keys, ...args);
        }
      },
    };
  }
  throw new CacheOptionError(
    'client',
    'an ioredis, iovalkey or node-redis client, or an object with runScript(script, keys, args)',
  );
}
