import { RateLimitOptionsError } from '@brace/rate-limit';

/** An ioredis / iovalkey client: `eval(script, numKeys, ...keysAndArgs)`. */
export interface IoRedisLikeClient {
  /** EVALSHA. */
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** EVAL. */
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** A node-redis v4/v5 client: `eval(script, { keys, arguments })`. */
export interface NodeRedisLikeClient {
  /** EVALSHA. */
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** EVAL. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Runs a script for any other client: `sha` first, falling back to `source` is done for you
 * when this rejects with an error whose message starts with `NOSCRIPT`.
 */
export type RedisEvalAdapter = (
  command: 'evalsha' | 'eval',
  shaOrSource: string,
  keys: string[],
  args: string[],
) => Promise<unknown>;

/** Any client the store accepts. */
export type RedisClientLike = IoRedisLikeClient | NodeRedisLikeClient | RedisEvalAdapter;

/** @internal The client as one eval function. */
export function toEval(client: RedisClientLike): RedisEvalAdapter {
  if (typeof client === 'function') return client;
  if ('evalSha' in client && typeof client.evalSha === 'function') {
    const c = client as NodeRedisLikeClient;
    return (command, shaOrSource, keys, args) =>
      command === 'evalsha'
        ? c.evalSha(shaOrSource, { keys, arguments: args })
        : c.eval(shaOrSource, { keys, arguments: args });
  }
  if ('evalsha' in client && typeof client.evalsha === 'function') {
    const c = client as IoRedisLikeClient;
    return (command, shaOrSource, keys, args) =>
      command === 'evalsha'
        ? c.evalsha(shaOrSource, keys.length, ...keys, ...args)
        : c.eval(shaOrSource, keys.length, ...keys, ...args);
  }
  throw new RateLimitOptionsError(
    'client',
    'an ioredis/iovalkey client (evalsha), a node-redis client (evalSha) or an eval adapter function',
  );
}

/** @internal */
export async function sha1(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @internal */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
