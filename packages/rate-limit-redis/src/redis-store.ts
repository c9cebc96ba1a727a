import { type Clock, systemClock } from '@brace/core';
import {
  type AcquireManyResult,
  type AcquireResult,
  type MemoryStore,
  memoryStore,
  type PauseReason,
  RateLimitOptionsError,
  type RateLimitPolicy,
  type RateLimitStore,
} from '@brace/rate-limit';
import { RateLimitStoreError } from './errors.js';
import { ACQUIRE_SCRIPT, PAUSE_SCRIPT } from './scripts.js';
import { Watchdog } from './watchdog.js';

/** Default key prefix. */
export const DEFAULT_PREFIX = 'brace:rl:';
/** Default time a Redis call may take before it counts as a store error, in ms. */
export const DEFAULT_STORE_TIMEOUT_MS = 1000;
/** Default behaviour when Redis fails: reject (fail-closed). */
export const DEFAULT_ON_STORE_ERROR = 'fail-closed';

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

/** What `onError` receives. */
export interface RedisStoreErrorEvent {
  /** The failing operation. */
  operation: 'acquire' | 'pause';
  /** The client's error (or a timeout error). */
  error: unknown;
  /** True when the local in-memory limiter answered instead (fail-open). */
  fellBack: boolean;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Your connected client (ioredis, iovalkey, node-redis) or an eval adapter. The store never opens connections. */
  client: RedisClientLike;
  /** Key prefix; use one per limiter. Default {@link DEFAULT_PREFIX}. */
  prefix?: string;
  /**
   * When Redis fails or is slower than `timeoutMs`: `'fail-closed'` rejects the task with
   * `RateLimitStoreError` (never exceeds the shared limit, stops traffic); `'fail-open'` answers
   * from a local in-memory limiter with the same policies (traffic continues, but each process
   * enforces the limit alone, so N processes may together send up to N times the limit).
   * Default {@link DEFAULT_ON_STORE_ERROR}.
   */
  onStoreError?: 'fail-closed' | 'fail-open';
  /** Longest a Redis call may take before it counts as failed, in ms. Default {@link DEFAULT_STORE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Clock for the timeout. Default `systemClock`. */
  clock?: Clock;
  /** Called on every store failure. */
  onError?: (event: RedisStoreErrorEvent) => void;
}

function toEval(client: RedisClientLike): RedisEvalAdapter {
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

/** Most keys whose Redis key names are kept ready per policy list (the cache is reset past it). */
const KEY_CACHE = 1024;

interface Prepared {
  suffixes: string[];
  /** ARGV without the costs: policy count, then limit, intervalMs, burst per policy. */
  head: string[];
  /** ARGV for one request of cost 1 (the common case), built once. */
  one: string[];
  /** Redis key names per limiter key, built once per key. */
  keys: Map<string, string[]>;
}

const GRANTED: AcquireResult = Object.freeze({ ok: true });

function ignore(): undefined {
  return undefined;
}

type Refusal = Extract<AcquireResult, { ok: false }>;

/** Reads the refusal part of the acquire script's reply `{ admitted, retryInMs, policyIndex, pauseReason }`. */
function toRefusal(r: [number, number, number, string]): Refusal {
  const policyIndex = Number(r[2]);
  const result: Refusal = { ok: false, retryInMs: Number(r[1]), policyIndex };
  if (policyIndex < 0)
    result.pause = r[3] === 'server-remaining' ? 'server-remaining' : 'retry-after';
  return result;
}

/**
 * Reads the acquire script's reply for one request: `1`, or a refusal. ioredis with
 * `stringNumbers` (and some proxies) hand integer replies over as strings: `'1'`.
 */
function toResult(reply: unknown): AcquireResult {
  if (reply === 1 || reply === '1') return GRANTED;
  return toRefusal(reply as [number, number, number, string]);
}

/** Reads the acquire script's reply for a batch: the count admitted, or a refusal after some. */
function toManyResult(reply: unknown): AcquireManyResult {
  if (typeof reply === 'number') return { granted: reply, refused: undefined };
  // An integer reply as a string (ioredis `stringNumbers`).
  if (typeof reply === 'string' && /^\d+$/.test(reply)) {
    return { granted: Number(reply), refused: undefined };
  }
  const r = reply as [number, number, number, string];
  const refused = toRefusal(r);
  return { granted: Number(r[0]), refused };
}

/** Acquires `costs` one by one from a local store until one is refused (the fail-open path). */
function acquireLocally(
  store: MemoryStore,
  key: string,
  policies: readonly RateLimitPolicy[],
  costs: readonly number[],
  now: number,
): AcquireManyResult {
  for (let i = 0; i < costs.length; i++) {
    const result = store.tryAcquire(key, policies, costs[i] as number, now);
    if (!result.ok) return { granted: i, refused: result };
  }
  return { granted: costs.length, refused: undefined };
}

/** A cost as the script reads it: sliding logs round it up to whole units, GCRA does not. */
/**
 * @internal The Cluster hash tag of a limiter key: the key itself, except that an empty key (whose `{}`
 * Redis ignores, hashing each full key name, so one acquire's keys could sit in different
 * slots: CROSSSLOT) becomes `~`, and a key starting with `~` gets one more, so no two keys share
 * a tag.
 */
export function hashTag(key: string): string {
  return key === '' || key.charCodeAt(0) === 126 ? `~${key}` : key;
}

function units(cost: number): string {
  return String(cost);
}

async function sha1(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * A Redis store: a `RateLimitStore` that also acquires batches (`tryAcquireMany`: the ready
 * tasks of one key in one round trip).
 */
export type RedisStore = RateLimitStore & Required<Pick<RateLimitStore, 'tryAcquireMany'>>;

/**
 * A `RateLimitStore` (from `@brace/rate-limit`) in Redis, so many processes share one limit: one Lua script per
 * acquire (EVALSHA, falling back to EVAL on NOSCRIPT), Redis `TIME` as the clock (machines
 * with skewed clocks agree), keys that expire when idle, and pauses shared too.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createRateLimiter } from '@brace/rate-limit';
 * import { redisStore } from '@brace/rate-limit-redis';
 *
 * const limiter = createRateLimiter({
 *   policies: [{ limit: 50, intervalMs: 1000 }],
 *   store: redisStore({ client: new Redis(process.env.REDIS_URL!), prefix: 'github:' }),
 * });
 * await limiter.schedule(() => fetch('https://api.github.com/rate_limit'));
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null || options.client == null) {
    throw new RateLimitOptionsError('client', 'a Redis client or an eval adapter');
  }
  const run = toEval(options.client);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') throw new RateLimitOptionsError('prefix', 'a string');
  const mode = options.onStoreError ?? DEFAULT_ON_STORE_ERROR;
  if (mode !== 'fail-closed' && mode !== 'fail-open') {
    throw new RateLimitOptionsError('onStoreError', "'fail-closed' or 'fail-open'");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new RateLimitOptionsError('timeoutMs', 'a number > 0');
  }
  const clock = options.clock ?? systemClock;
  let local: MemoryStore | undefined;
  /** SHA-1 of each script once known ('' while computed); until then the script is sent with EVAL (which loads it). */
  const shas = new Map<string, string>();

  const watchdog = new Watchdog(clock, timeoutMs);

  /**
   * Runs a script under the watchdog: EVALSHA once its SHA-1 is known (EVAL until then), and
   * on `NOSCRIPT` (a flushed or failed-over server) EVAL again, itself under the watchdog. The
   * retry hangs off the error path, so a normal call costs no extra promise.
   */
  const evaluate = <T>(
    source: string,
    keys: string[],
    args: string[],
    onValue: (reply: unknown) => T,
    onError: (error: unknown) => T,
  ): Promise<T> => {
    const sha = shas.get(source);
    if (sha === undefined || sha === '') {
      if (sha === undefined) {
        shas.set(source, ''); // computing: once, however many calls go out meanwhile
        // On failure forget it: the next call computes it again.
        sha1(source).then(
          (hex) => shas.set(source, hex),
          () => shas.delete(source),
        );
      }
      return watchdog.guard(run('eval', source, keys, args), onValue, onError);
    }
    return watchdog.guard(run('evalsha', sha, keys, args), onValue, (error) =>
      isNoScript(error)
        ? watchdog.guard(run('eval', source, keys, args), onValue, onError)
        : onError(error),
    );
  };

  const fail = (operation: 'acquire' | 'pause', error: unknown): MemoryStore => {
    const fellBack = mode === 'fail-open';
    if (options.onError) {
      try {
        options.onError({ operation, error, fellBack });
      } catch {
        // An observer's failure is its own.
      }
    }
    if (!fellBack) throw new RateLimitStoreError(operation, error);
    local ??= memoryStore();
    return local;
  };

  const base = (key: string) => `${prefix}{${hashTag(key)}}:`;
  /** Per policy list (the limiter passes the same frozen array every time): key suffixes and ARGV. */
  const prepared = new WeakMap<readonly RateLimitPolicy[], Prepared>();
  const prepare = (policies: readonly RateLimitPolicy[]): Prepared => {
    let p = prepared.get(policies);
    if (p === undefined) {
      const suffixes: string[] = [];
      const head = [String(policies.length)];
      for (const policy of policies) {
        const burst = policy.burst ?? 0;
        suffixes.push(`p:${policy.limit}:${policy.intervalMs}:${burst}`);
        head.push(String(policy.limit), String(policy.intervalMs), String(burst));
      }
      p = { suffixes, head, one: [...head, '1'], keys: new Map() };
      prepared.set(policies, p);
    }
    return p;
  };
  const keysOf = (p: Prepared, key: string): string[] => {
    let keys = p.keys.get(key);
    if (keys === undefined) {
      const k = base(key);
      keys = [`${k}pause`];
      for (const suffix of p.suffixes) keys.push(k + suffix);
      if (p.keys.size >= KEY_CACHE) p.keys.clear();
      p.keys.set(key, keys);
    }
    return keys;
  };

  return {
    tryAcquire(key, policies: readonly RateLimitPolicy[], cost, now): Promise<AcquireResult> {
      const p = prepare(policies);
      const args = cost === 1 ? p.one : [...p.head, units(cost)];
      return evaluate(
        ACQUIRE_SCRIPT,
        keysOf(p, key),
        args,
        toResult,
        (error) => fail('acquire', error).tryAcquire(key, policies, cost, now) as AcquireResult,
      );
    },
    tryAcquireMany(key, policies, costs, now): Promise<AcquireManyResult> {
      const p = prepare(policies);
      const args = p.head.concat(costs.map(units));
      return evaluate(ACQUIRE_SCRIPT, keysOf(p, key), args, toManyResult, (error) =>
        acquireLocally(fail('acquire', error), key, policies, costs, now),
      );
    },
    pause(key, durationMs, reason: PauseReason, now) {
      return evaluate(
        PAUSE_SCRIPT,
        [`${base(key)}pause`],
        [String(Math.ceil(durationMs)), reason],
        ignore,
        (error) => fail('pause', error).pause(key, durationMs, reason, now) as undefined,
      );
    },
  };
}
