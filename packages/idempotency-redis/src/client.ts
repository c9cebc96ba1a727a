import { IdempotencyOptionError } from '@brace/idempotency';
import type { RedisScript } from './scripts.js';

/**
 * The shape of an ioredis (or iovalkey) client, `Redis` or `Cluster`: positional
 * `evalsha(sha1, numkeys, ...keysAndArgs)` and `eval(script, numkeys, ...keysAndArgs)`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { IoredisLike } from '@brace/idempotency-redis';
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
 * The options object node-redis (v4, v5) takes for EVAL and EVALSHA.
 *
 * @example
 * ```ts
 * import type { NodeRedisEvalOptions } from '@brace/idempotency-redis';
 *
 * const options: NodeRedisEvalOptions = { keys: ['brace:idempotency:k'], arguments: ['1'] };
 * ```
 */
export interface NodeRedisEvalOptions {
  /** The keys the script touches (KEYS). */
  keys: string[];
  /** The script's arguments (ARGV). */
  arguments: string[];
}

/**
 * The shape of a node-redis (v4, v5) client: `evalSha(sha1, { keys, arguments })` and
 * `eval(script, { keys, arguments })`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { NodeRedisLike } from '@brace/idempotency-redis';
 *
 * const client: NodeRedisLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisLike {
  /** EVALSHA with keys and arguments in an options object. */
  evalSha(sha1: string, options: NodeRedisEvalOptions): Promise<unknown>;
  /** EVAL with keys and arguments in an options object. */
  eval(script: string, options: NodeRedisEvalOptions): Promise<unknown>;
}

/**
 * The adapter for any other client (Upstash, a cluster router, a tracing wrapper): run one
 * script with its keys and arguments and resolve the reply (arrays as arrays, integers as
 * numbers, bulk strings as strings). Use EVALSHA and fall back to EVAL on `NOSCRIPT`, or
 * just EVAL.
 *
 * @example
 * ```ts
 * import type { RedisScriptRunner } from '@brace/idempotency-redis';
 *
 * const runner: RedisScriptRunner = {
 *   runScript: (script, keys, args) => upstash.eval(script.source, keys, args),
 * };
 * ```
 */
export interface RedisScriptRunner {
  /** Runs `script` with `keys` (KEYS) and `args` (ARGV); resolves the script's reply. */
  runScript(script: RedisScript, keys: string[], args: string[]): Promise<unknown>;
}

/**
 * What {@link redisStore} accepts as `client`: an ioredis/iovalkey client, a node-redis
 * client, or a {@link RedisScriptRunner}. The store tells them apart by their methods:
 * `runScript`, then `evalSha` (node-redis), then `evalsha` (ioredis, iovalkey).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from '@brace/idempotency-redis';
 *
 * const client: RedisClientLike = new Redis();
 * ```
 */
export type RedisClientLike = IoredisLike | NodeRedisLike | RedisScriptRunner;

/** True for Redis' "script not cached" error, whichever client raised it. */
function isNoScript(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    String((error as { message?: unknown }).message).startsWith('NOSCRIPT')
  );
}

/**
 * Wraps an ioredis or iovalkey client as a {@link RedisScriptRunner}: EVALSHA, and EVAL
 * when the server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
 *
 * @param client - an ioredis/iovalkey `Redis` or `Cluster`
 * @returns a runner for {@link redisStore}'s `client`
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { fromIoredis, redisStore } from '@brace/idempotency-redis';
 *
 * const store = redisStore({ client: fromIoredis(new Redis()) });
 * ```
 */
export function fromIoredis(client: IoredisLike): RedisScriptRunner {
  return {
    async runScript(script, keys, args) {
      try {
        return await client.evalsha(script.sha1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return client.eval(script.source, keys.length, ...keys, ...args);
      }
    },
  };
}

/**
 * Wraps a node-redis client as a {@link RedisScriptRunner}: `evalSha`, and `eval` when the
 * server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
 *
 * @param client - a connected node-redis client
 * @returns a runner for {@link redisStore}'s `client`
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { fromNodeRedis, redisStore } from '@brace/idempotency-redis';
 *
 * const store = redisStore({ client: fromNodeRedis(await createClient().connect()) });
 * ```
 */
export function fromNodeRedis(client: NodeRedisLike): RedisScriptRunner {
  return {
    async runScript(script, keys, args) {
      const options = { keys, arguments: args };
      try {
        return await client.evalSha(script.sha1, options);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return client.eval(script.source, options);
      }
    },
  };
}

/** Picks the adapter for `client` by its methods; throws when none fits. */
export function toScriptRunner(client: RedisClientLike): RedisScriptRunner {
  const c = client as Partial<IoredisLike & NodeRedisLike & RedisScriptRunner> | undefined;
  if (typeof c?.runScript === 'function') return client as RedisScriptRunner;
  if (typeof c?.evalSha === 'function') return fromNodeRedis(client as NodeRedisLike);
  if (typeof c?.evalsha === 'function') return fromIoredis(client as IoredisLike);
  throw new IdempotencyOptionError(
    'client',
    'an ioredis, iovalkey or node-redis client, or an object with runScript(script, keys, args)',
  );
}
