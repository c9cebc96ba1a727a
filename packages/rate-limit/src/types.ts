import type { Clock, HeadersInput, RateLimitInfo } from '@brace/core';
import type { AdaptiveOptions } from './adaptive.js';
import type { PauseReason, RateLimitPolicy, RateLimitStore, ThrottleReason } from './store.js';

/** What `onQueued` receives: a task had to wait in the queue. */
export interface QueuedEvent {
  /** The task's key. */
  key: string;
  /** The task's priority. */
  priority: number;
  /** The task's cost. */
  cost: number;
  /** Tasks queued now, this one included. */
  queued: number;
}

/** What `onDispatch` receives: a task got its slot and starts now. */
export interface DispatchEvent {
  /** The task's key. */
  key: string;
  /** How long it waited in the queue, in ms (0 on the fast path). */
  waitedMs: number;
  /** Tasks running now, this one included. */
  running: number;
  /** Tasks still queued. */
  queued: number;
}

/** What `onThrottled` receives: a key must wait before its next task may start. */
export interface ThrottledEvent {
  /** The waiting key. */
  key: string;
  /** Exact ms until the next attempt for this key. */
  waitMs: number;
  /**
   * `policy` (a policy is full), `server-remaining` or `retry-after` (a server pause),
   * `server-pace` (the server's headers asked to slow down before zero), `adaptive` (adaptive
   * mode cut the key's rate after a 429).
   */
  reason: ThrottleReason;
  /** The refusing policy's index, or -1 for anything else. */
  policyIndex: number;
  /** For `server-pace` and `adaptive`: the ms the key's starts are now spaced by. */
  spacingMs?: number;
  /** For `server-pace`: how long the pacing lasts, in ms from now. */
  durationMs?: number;
}

/** What `onPause` receives: the server told us to stop sending for this partition. */
export interface PauseEvent {
  /** The paused partition (a limiter key). */
  key: string;
  /** How long the pause lasts, in ms from now (an existing longer pause is kept). */
  durationMs: number;
  /** `retry-after` (429/503 with Retry-After) or `server-remaining` (remaining reached 0). */
  reason: PauseReason;
}

/** What `onRejected` receives: a task ended without running. */
export interface RejectedEvent {
  /** The task's key. */
  key: string;
  /** Why: the queue was full, the wait timed out, the signal aborted, the cost can never fit, the store failed, or `clear()` was called. */
  reason: 'queue-full' | 'wait-timeout' | 'aborted' | 'cost' | 'store-error' | 'cleared';
  /** The error the task rejected with. */
  error: unknown;
}

/** What `onError` receives: something failed outside any one task (e.g. storing a pause). */
export interface LimiterErrorEvent {
  /** The failing operation: storing a pause, or moving a settled task's units (`settle`). */
  operation: 'pause' | 'settle';
  /** The error. */
  error: unknown;
}

/** Everything `partition` gets to choose the partition of an observed response. */
export interface PartitionContext {
  /** The response's URL, when known ('' for bare headers). */
  url: string;
  /** The response headers. */
  headers: HeadersInput;
  /** The parsed rate-limit headers, if any. */
  info: RateLimitInfo | undefined;
}

/** Options of `createRateLimiter`. */
export interface RateLimiterOptions {
  /** The policies enforced together, atomically, per key. Default: none (concurrency only). */
  policies?: readonly RateLimitPolicy[];
  /** Most tasks running at once over all keys; integer >= 1 or Infinity. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
  /** Most tasks waiting at once; past it tasks reject with `RateLimitQueueFullError`. Default {@link DEFAULT_MAX_QUEUE}. */
  maxQueue?: number;
  /** Most ms a task may wait in the queue; then it rejects with `RateLimitWaitTimeoutError`. Default {@link DEFAULT_MAX_WAIT_MS} (no limit). */
  maxWaitMs?: number;
  /** Where usage is kept. Default: a fresh `memoryStore()`. */
  store?: RateLimitStore;
  /** Time source. Default `systemClock` from `@brace/core`. */
  clock?: Clock;
  /** Weighted round-robin: how many tasks a key may start per turn (integer >= 1). Default 1 for every key. */
  weight?: (key: string) => number;
  /**
   * The partition an observed response pauses when `observe` gets no `key`: `'host'` (the
   * response URL's host), `'pk'` (the rate-limit header's partition key, else the host) or a
   * function. Default {@link DEFAULT_PARTITION}.
   */
  partition?: 'host' | 'pk' | ((context: PartitionContext) => string | undefined);
  /** Longest pause a server may impose, in ms (untrusted input is capped). Default {@link DEFAULT_MAX_PAUSE_MS}. */
  maxPauseMs?: number;
  /**
   * Every policy's window is enforced this much longer (at most 10% of it), so the time from
   * our start to the provider's arrival never puts more than `limit` arrivals in one of its
   * windows. Default `DEFAULT_SAFETY_MARGIN_MS` (50 ms); 0 turns it off.
   */
  safetyMarginMs?: number;
  /**
   * `'smooth'` spaces a key's starts evenly over the window (`(intervalMs + margin) / limit`
   * apart per unit of cost, for the tightest sliding-log policy), as GCRA with `burst: 1`;
   * `'burst'` starts a window's whole `limit` at once. Default `DEFAULT_PACING` (`'smooth'`).
   */
  pacing?: 'smooth' | 'burst';
  /**
   * `'settle'`: a task's units in every sliding-log policy count until `intervalMs` after the
   * task settles (the store moves them to the settle time), since the provider counts the
   * request's arrival, which comes after our start; `'start'`: until `intervalMs` after its
   * start. Default `DEFAULT_WINDOW_FROM` (`'settle'`). Synchronous tasks settle as they start.
   */
  windowFrom?: 'settle' | 'start';
  /**
   * Adaptive mode, for providers that advertise nothing: each key's rate is learnt from the
   * responses `observe` sees (slow start, then additive increase and a multiplicative decrease
   * on a 429, as the AWS SDKs' adaptive retry mode). `true` or `{ initialRate, minRate,
   * maxRate, decrease }` (per second; defaults 1, 0.5, 10,000, 0.9). Call `observe` on every
   * response (the ky and axios adapters do). Default: off.
   */
  adaptive?: boolean | AdaptiveOptions;
  /** Shopify's leak rate for `X-Shopify-Shop-Api-Call-Limit` pacing. Default `DEFAULT_SHOPIFY_LEAK_PER_SECOND` (2). */
  shopifyLeakPerSecond?: number;
  /** Called when a task has to wait in the queue. */
  onQueued?: (event: QueuedEvent) => void;
  /** Called when a task starts. */
  onDispatch?: (event: DispatchEvent) => void;
  /** Called when a key must wait, with the exact wait and why. */
  onThrottled?: (event: ThrottledEvent) => void;
  /** Called when `observe` pauses a partition. */
  onPause?: (event: PauseEvent) => void;
  /** Called when a task ends without running. */
  onRejected?: (event: RejectedEvent) => void;
  /** Called when something fails outside a task, e.g. the store failed to record a pause. */
  onError?: (event: LimiterErrorEvent) => void;
}

/** Per-call options of `schedule`. */
export interface ScheduleOptions {
  /** The tenant / partition this task belongs to. Default {@link DEFAULT_KEY}. */
  key?: string;
  /**
   * The fairness key, when it differs from the limit key: tasks are served round-robin across
   * tenants (weighted by `weight(tenant)`) while `key` decides which limit they count against.
   * Three tenants under one `key` with a 10/s policy make 10 starts per second in total, and
   * a quiet tenant is served next even behind 1,000 queued tasks of a noisy one. Default: the
   * fairness key is `key`.
   */
  tenant?: string;
  /** Units of every policy this task uses (> 0). Default 1. */
  cost?: number;
  /** Higher runs first. Default {@link DEFAULT_PRIORITY}. */
  priority?: number;
  /** Aborting removes the waiting task at once; it rejects with `signal.reason` and never runs. */
  signal?: AbortSignal;
}

/** What a scheduled function receives. */
export interface ScheduleContext {
  /** The task's `signal` (one that never aborts without it): pass it on to `fetch`. */
  readonly signal: AbortSignal;
}

/** Per-call options of `acquire` (same as {@link ScheduleOptions}). */
export type AcquireOptions = ScheduleOptions;

/** Frees the slot taken by `acquire`. Calling it more than once is harmless. */
export type Release = () => void;

/** One key's figures in {@link RateLimiterStats}. */
export interface KeyStats {
  /** Tasks of this key waiting. */
  queued: number;
  /** Tasks of this key running (or acquiring from a remote store). */
  running: number;
  /** Epoch ms until which the key is known to be throttled (0 when not). */
  blockedUntil: number;
}

/** What `limiter.stats()` returns. */
export interface RateLimiterStats {
  /** Tasks waiting. */
  queued: number;
  /** Tasks running (slots taken). */
  running: number;
  /** Per active key (keys with queued or running tasks). */
  keys: Map<string, KeyStats>;
}

/** What `observe` learnt, or undefined when the response said nothing to act on. */
export interface ObserveResult {
  /** The paused (or paced) partition. */
  key: string;
  /** The pause, or how long the pacing lasts, in ms (capped by `maxPauseMs`). */
  durationMs: number;
  /**
   * Why: `retry-after`, `server-remaining` (nothing left until the reset, or a full Shopify
   * bucket), `server-pace` (what remains is spread over the time to the reset, or a Shopify
   * bucket over half full is paced at its leak rate: one start per `spacingMs`), `backoff` (a
   * bare 429: 1 s, doubling per 429 in a row, reset by a success).
   */
  reason: PauseReason | 'server-pace' | 'backoff';
  /** For `server-pace`: ms between starts. */
  spacingMs?: number;
}

/** Per-call options of `observe`. */
export interface ObserveOptions {
  /** The partition to pause; default from the limiter's `partition` option. */
  key?: string;
}

/**
 * A rate limiter: a queue with a concurrency cap, priorities and per-key fairness, in front of
 * a store that enforces the policies. Create one with `createRateLimiter`.
 */
export interface RateLimiter {
  /**
   * Runs `fn` once a slot and the policies allow, and resolves with its result. The slot is
   * released when `fn` settles (or throws). `fn` gets `{ signal }`: the task's `signal`.
   */
  schedule<T>(
    fn: (context: ScheduleContext) => T | PromiseLike<T>,
    options?: ScheduleOptions,
  ): Promise<Awaited<T>>;
  /** Waits for a slot and resolves with its release function; call it on every path. */
  acquire(options?: AcquireOptions): Promise<Release>;
  /** Learns from a response (or its headers): pauses the partition when the server asks. */
  observe(input: Response | HeadersInput, options?: ObserveOptions): ObserveResult | undefined;
  /**
   * Without arguments (as p-queue's `pause()`): stops starting tasks until {@link
   * RateLimiter.resume} (tasks keep queuing; `maxWaitMs` still expires them). With a key:
   * pauses that partition for `durationMs` (as a server would; never shortening a longer pause).
   */
  pause(key?: string, durationMs?: number, reason?: 'server-remaining' | 'retry-after'): void;
  /** Starts tasks again after `pause()`. */
  resume(): void;
  /** Whether `pause()` (without arguments) is in force. */
  readonly isPaused: boolean;
  /**
   * Rejects every queued task with `RateLimitClearedError` (nothing is dropped silently) and
   * returns how many. Running tasks, and tasks already acquiring from a remote store, go on.
   */
  clear(): number;
  /** Tasks waiting in the queue (p-queue's `size`). */
  readonly size: number;
  /** Tasks running, or acquiring from a remote store (p-queue's `pending`). */
  readonly pending: number;
  /** Resolves when the queue is empty (tasks may still run); at once if it is. */
  onEmpty(): Promise<void>;
  /** Resolves when nothing is queued or running; at once if so. */
  onIdle(): Promise<void>;
  /**
   * Enforces new policies from now on (validated as at construction): keys held back by the
   * old ones are tried again at once, and a queued task whose cost fits none of the new ones is
   * rejected with `RateLimitCostError`. Usage counted so far stays counted where the policy
   * kept its kind and index (in-memory store); a Redis store counts a changed policy afresh.
   */
  updatePolicies(policies: readonly RateLimitPolicy[]): void;
  /** Current figures. */
  stats(): RateLimiterStats;
  /** The validated policies. */
  readonly policies: readonly RateLimitPolicy[];
}

/** Default concurrency: unlimited. */
export const DEFAULT_CONCURRENCY = Number.POSITIVE_INFINITY;
/** Default `maxQueue`: one million waiting tasks. */
export const DEFAULT_MAX_QUEUE = 1_000_000;
/** Default `maxWaitMs`: no limit. */
export const DEFAULT_MAX_WAIT_MS = Number.POSITIVE_INFINITY;
/** The key of tasks scheduled without one. */
export const DEFAULT_KEY = 'default';
/** The priority of tasks scheduled without one. */
export const DEFAULT_PRIORITY = 0;
/** Default partition of an observed response: its host. */
export const DEFAULT_PARTITION = 'host';
/** Default cap on a server-imposed pause: 24 hours. */
export const DEFAULT_MAX_PAUSE_MS = 86_400_000;
