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
import { isNoScript, type RedisClientLike, sha1, toEval } from './client.js';
import { RateLimitStoreError } from './errors.js';

export type {
  IoRedisLikeClient,
  NodeRedisLikeClient,
  RedisClientLike,
  RedisEvalAdapter,
} from './client.js';

import { Outage, type RedisOutageEvent } from './outage.js';
import { ACQUIRE_SCRIPT, PAUSE_SCRIPT, SETTLE_SCRIPT } from './scripts.js';
import { Watchdog } from './watchdog.js';

/** Default key prefix. */
export const DEFAULT_PREFIX = 'brace:rl:';
/**
 * Default time a Redis call may take before it counts as a store error: 2,000 ms. Sized for a
 * loaded 2-core machine: an acquire answers in ~0.1 ms (p50) and under 7 ms (p99.99) on
 * loopback there, so what crosses a second is this process stalling (GC, a busy event loop,
 * load average 8–10), not Redis. The watchdog also reads replies that arrived during a stall
 * before declaring a timeout, so a stall alone no longer fails a call; the rest is margin.
 * With `fail-open` only the calls in flight when Redis goes away wait this long.
 */
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
/** Default interval between background probes of an unreachable Redis (fail-open): 1,000 ms. */
export const DEFAULT_PROBE_INTERVAL_MS = 1_000;
/** Default behaviour when Redis fails: reject (fail-closed). */
export const DEFAULT_ON_STORE_ERROR = 'fail-closed';

/** What `onError` receives. */
export interface RedisStoreErrorEvent {
  /** The failing operation (`settle`: moving a settled task's units; never falls back). */
  operation: 'acquire' | 'pause' | 'settle';
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
  /** Called on every store failure (during a fail-open outage no call goes to Redis, so none fails). */
  onError?: (event: RedisStoreErrorEvent) => void;
  /**
   * Fail-open only: how often a background probe checks whether Redis answers again while it
   * is down, in ms. Default {@link DEFAULT_PROBE_INTERVAL_MS}.
   */
  probeIntervalMs?: number;
  /** Fail-open only: called when an outage starts (`down`) and when Redis answers again (`up`). */
  onOutage?: (event: RedisOutageEvent) => void;
}

/** Most keys whose Redis key names are kept ready per policy list (the cache is reset past it). */
const KEY_CACHE = 1024;

interface Prepared {
  suffixes: string[];
  /** ARGV without the costs: policy count, then limit, intervalMs, burst per policy. */
  head: string[];
  /** The sliding-log policies' indexes, and their intervals as `SETTLE_SCRIPT` reads them. */
  logs: number[];
  intervals: string[];
  /** Redis key names per limiter key, built once per key. */
  keys: Map<string, string[]>;
}

/**
 * A grant of the acquire script: the call's token, the units logged before the request's own
 * in that call, and its units (a grant of the local fallback is the time it was charged at).
 */
type Grant = readonly [token: string, from: number, units: number];

/** This process's part of every call's token: tokens are unique across processes and calls. */
const PROCESS_TOKEN = globalThis.crypto.randomUUID().slice(0, 13);
let calls = 0;

/** A token no other call (of this process or another) has. */
function nextToken(): string {
  calls = (calls + 1) % Number.MAX_SAFE_INTEGER;
  return PROCESS_TOKEN + calls.toString(36);
}

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
function toResult(reply: unknown, token: string, cost: number): AcquireResult {
  if (reply === 1 || reply === '1') {
    const grant: Grant = [token, 0, Math.ceil(cost)];
    return { ok: true, grant };
  }
  return toRefusal(reply as [number, number, number, string]);
}

/** Each of the first `granted` requests' grants (their units follow each other in the call). */
function grantsOf(token: string, costs: readonly number[], granted: number): Grant[] {
  const grants: Grant[] = [];
  let from = 0;
  for (let i = 0; i < granted; i++) {
    const units = Math.ceil(costs[i] as number);
    grants.push([token, from, units]);
    from += units;
  }
  return grants;
}

/** Reads the acquire script's reply for a batch: the count admitted, or a refusal after some. */
function toManyResult(reply: unknown, token: string, costs: readonly number[]): AcquireManyResult {
  let granted: number;
  let refused: Refusal | undefined;
  if (typeof reply === 'number') granted = reply;
  // An integer reply as a string (ioredis `stringNumbers`).
  else if (typeof reply === 'string' && /^\d+$/.test(reply)) granted = Number(reply);
  else {
    const r = reply as [number, number, number, string];
    refused = toRefusal(r);
    granted = Number(r[0]);
  }
  return { granted, refused, grants: grantsOf(token, costs, granted) };
}

/** Acquires `costs` one by one from a local store until one is refused (the fail-open path). */
/** One acquire of the local fallback: a grant carries the time it was charged at. */
function locally(
  store: MemoryStore,
  key: string,
  policies: readonly RateLimitPolicy[],
  cost: number,
  now: number,
): AcquireResult {
  const result = store.tryAcquire(key, policies, cost, now);
  return result.ok ? { ok: true, grant: now } : result;
}

function acquireLocally(
  store: MemoryStore,
  key: string,
  policies: readonly RateLimitPolicy[],
  costs: readonly number[],
  now: number,
): AcquireManyResult {
  for (let i = 0; i < costs.length; i++) {
    const result = store.tryAcquire(key, policies, costs[i] as number, now);
    if (!result.ok) return { granted: i, refused: result, grants: new Array(i).fill(now) };
  }
  return { granted: costs.length, refused: undefined, grants: new Array(costs.length).fill(now) };
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
  const probeMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  if (typeof probeMs !== 'number' || !(probeMs > 0) || probeMs === Number.POSITIVE_INFINITY) {
    throw new RateLimitOptionsError('probeIntervalMs', 'a finite number > 0');
  }
  const clock = options.clock ?? systemClock;
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

  const base = (key: string) => `${prefix}{${hashTag(key)}}:`;
  /** Per policy list (the limiter passes the same frozen array every time): key suffixes and ARGV. */
  const prepared = new WeakMap<readonly RateLimitPolicy[], Prepared>();
  const prepare = (policies: readonly RateLimitPolicy[]): Prepared => {
    let p = prepared.get(policies);
    if (p === undefined) {
      const suffixes: string[] = [];
      const head = [String(policies.length)];
      const logs: number[] = [];
      const intervals: string[] = [];
      for (const [i, policy] of policies.entries()) {
        const burst = policy.burst ?? 0;
        suffixes.push(`p:${policy.limit}:${policy.intervalMs}:${burst}`);
        head.push(String(policy.limit), String(policy.intervalMs), String(burst));
        if (burst === 0) {
          logs.push(i);
          intervals.push(String(policy.intervalMs));
        }
      }
      p = { suffixes, head, logs, intervals, keys: new Map() };
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
