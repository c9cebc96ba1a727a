import {
  type AcquireManyResult,
  type MemoryStore,
  memoryStore,
  type PauseReason,
  type RateLimitPolicy,
  type RateLimitStore,
} from '@brace/rate-limit';
import { isNoScript, sha1 } from './client.js';
import { RateLimitStoreError } from './errors.js';
import { acquireLocally, locally } from './local-fallback.js';
import { Outage } from './outage.js';
import { redisKeys, units } from './redis-keys.js';
import { type Grant, nextToken, toManyResult, toResult } from './replies.js';
import { ACQUIRE_SCRIPT, PAUSE_SCRIPT, SETTLE_SCRIPT } from './scripts.js';
import { type RedisStoreOptions, resolveStoreOptions } from './store-options.js';
import { Watchdog } from './watchdog.js';

export type {
  IoRedisLikeClient,
  NodeRedisLikeClient,
  RedisClientLike,
  RedisEvalAdapter,
} from './client.js';
export { hashTag } from './redis-keys.js';
export {
  DEFAULT_ON_STORE_ERROR,
  DEFAULT_PREFIX,
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  type RedisStoreErrorEvent,
  type RedisStoreOptions,
} from './store-options.js';

function ignore(): undefined {
  return undefined;
}

function yes(): boolean {
  return true;
}

function no(): boolean {
  return false;
}

/** Calls an observer; its failure is its own. */
function observe<E>(callback: ((event: E) => void) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    callback(event);
  } catch {
    // An observer's failure never breaks a call.
  }
}

/** The background probe of an unreachable Redis: any answer means it is back. */
const PROBE_SCRIPT = 'return 1';

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
  const { run, prefix, mode, timeoutMs, probeMs, clock } = resolveStoreOptions(options);
  let local: MemoryStore | undefined;
  const localStore = (): MemoryStore => {
    local ??= memoryStore();
    return local;
  };
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

  /**
   * Fail-open: the first failure marks Redis down; until a background probe (a trivial script
   * under the same timeout) answers, every call is answered by the local limiter at once.
   */
  const outage =
    mode === 'fail-open'
      ? new Outage(
          clock,
          probeMs,
          () => watchdog.guard(run('eval', PROBE_SCRIPT, [], []), yes, no),
          (event) => observe(options.onOutage, event),
        )
      : undefined;

  const fail = (operation: 'acquire' | 'pause', error: unknown): MemoryStore => {
    observe(options.onError, { operation, error, fellBack: outage !== undefined });
    if (outage === undefined) throw new RateLimitStoreError(operation, error);
    outage.fail();
    return localStore();
  };

  const { base, prepare, keysOf } = redisKeys(prefix);

  return {
    tryAcquire(key, policies: readonly RateLimitPolicy[], cost, now) {
      if (outage?.down) return locally(localStore(), key, policies, cost, now);
      const p = prepare(policies);
      const token = nextToken();
      return evaluate(
        ACQUIRE_SCRIPT,
        keysOf(p, key),
        [...p.head, units(cost), token],
        (reply) => toResult(reply, token, cost),
        (error) => locally(fail('acquire', error), key, policies, cost, now),
      );
    },
    tryAcquireMany(key, policies, costs, now): Promise<AcquireManyResult> {
      if (outage?.down)
        return Promise.resolve(acquireLocally(localStore(), key, policies, costs, now));
      const p = prepare(policies);
      const token = nextToken();
      const args = p.head.concat(costs.map(units));
      args.push(token);
      return evaluate(
        ACQUIRE_SCRIPT,
        keysOf(p, key),
        args,
        (reply) => toManyResult(reply, token, costs),
        (error) => acquireLocally(fail('acquire', error), key, policies, costs, now),
      );
    },
    settle(key, policies, cost, grant, grantedAt, now) {
      // A grant of the local fallback (a number) is settled there.
      if (!Array.isArray(grant)) return local?.settle(key, policies, cost, grant, grantedAt, now);
      const p = prepare(policies);
      if (p.logs.length === 0) return undefined;
      const all = keysOf(p, key);
      const keys = p.logs.map((i) => all[i + 1] as string);
      const [token, from, count] = grant as unknown as Grant;
      return evaluate(
        SETTLE_SCRIPT,
        keys,
        [token, String(from), String(count), ...p.intervals],
        ignore,
        (error) => {
          // Nothing waits on a settle: report it and drop it (the grant's units stay as logged).
          observe(options.onError, { operation: 'settle', error, fellBack: false });
          throw new RateLimitStoreError('settle', error);
        },
      );
    },
    pause(key, durationMs, reason: PauseReason, now) {
      if (outage?.down) return localStore().pause(key, durationMs, reason, now);
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
