import { type Clock, systemClock } from '@brace/core';
import { RateLimitOptionsError } from '@brace/rate-limit';
import { type RedisClientLike, type RedisEvalAdapter, toEval } from './client.js';
import type { RedisOutageEvent } from './outage.js';

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

/** {@link RedisStoreOptions} checked, with the defaults applied. */
export interface ResolvedStoreOptions {
  run: RedisEvalAdapter;
  prefix: string;
  mode: 'fail-closed' | 'fail-open';
  timeoutMs: number;
  probeMs: number;
  clock: Clock;
}

/** Checks the options (throwing `RateLimitOptionsError` for the first bad one) and applies the defaults. */
export function resolveStoreOptions(options: RedisStoreOptions): ResolvedStoreOptions {
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
  return { run, prefix, mode, timeoutMs, probeMs, clock: options.clock ?? systemClock };
}
