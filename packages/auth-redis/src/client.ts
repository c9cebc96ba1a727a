import { AuthOptionError } from '@brace/auth';

/**
 * One Lua script: its source and SHA1 (for EVALSHA).
 *
 * @example
 * ```ts
 * import type { RedisScript } from '@brace/auth-redis';
 *
 * const name = (script: RedisScript) => script.sha1;
 * ```
 */
export interface RedisScript {
  /** The Lua source. */
  readonly source: string;
  /** Its SHA1, hex. */
  readonly sha1: string;
}

/**
 * The shape of an ioredis (or iovalkey) client, `Redis` or `Cluster`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { IoredisLike } from '@brace/auth-redis';
 *
 * const client: IoredisLike = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
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
 * import type { NodeRedisLike } from '@brace/auth-redis';
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
 * Any other client (Upstash, a tracing wrapper): run one script and resolve its reply.
 *
 * @example
 * ```ts
 * import type { RedisScriptRunner } from '@brace/auth-redis';
 *
 * declare const upstash: { eval(s: string, k: string[], a: string[]): Promise<unknown> };
 * const runner: RedisScriptRunner = {
 *   runScript: (script, keys, args) => upstash.eval(script.source, keys, args),
 * };
 * ```
 */
export interface RedisScriptRunner {
  /** Runs `script` with `keys` and `args`; resolves the reply. */
  runScript(script: RedisScript, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * What {@link redisTokenStore} accepts as `client`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from '@brace/auth-redis';
 *
 * const client: RedisClientLike = new Redis();
 * ```
 */
export type RedisClientLike = IoredisLike | NodeRedisLike | RedisScriptRunner;

/** True for Redis' "script not cached" error. */
function isNoScript(error: unknown): boolean {
  return String((error as { message?: unknown } | null)?.message).startsWith('NOSCRIPT');
}

/** Turns any supported client into a runner: EVALSHA, then EVAL on `NOSCRIPT`. */
export function toRunner(client: RedisClientLike): RedisScriptRunner {
  const c = client as Partial<IoredisLike & NodeRedisLike & RedisScriptRunner>;
  if (typeof c.runScript === 'function') return client as RedisScriptRunner;
  if (typeof c.evalSha === 'function') {
    const nr = client as NodeRedisLike;
    return {
      async runScript(script, keys, args) {
        try {
          return await nr.evalSha(script.sha1, { keys, arguments: args });
        } catch (error) {
          if (!isNoScript(error)) throw error;
          return nr.eval(script.source, { keys, arguments: args });
        }
      },
    };
  }
  if (typeof c.evalsha === 'function') {
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
  throw new AuthOptionError(
    'client',
    'an ioredis, iovalkey or node-redis client, or { runScript }',
  );
}
