import type { Clock } from '@brace/core';

/** A circuit's state: `isolated` is open by hand until `reset()`. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Why a circuit changed state. */
export type CircuitChangeReason =
  | 'failure-ratio'
  | 'consecutive-failures'
  | 'break-elapsed'
  | 'probe-succeeded'
  | 'probe-failed'
  | 'isolated'
  | 'reset';

/** What `onStateChange` receives. */
export interface CircuitStateChangeEvent {
  /** The breaker key (the host in the ky adapter); `''` for the default key. */
  key: string;
  /** The state before. */
  from: CircuitState;
  /** The state after. */
  to: CircuitState;
  /** When, on the breaker's clock (epoch ms). */
  at: number;
  /**
   * Why: the failure ratio or the consecutive failures were reached (→ open), the break
   * elapsed (→ half-open), a probe succeeded (→ closed) or failed (→ open), or `isolate()` /
   * `reset()` was called.
   */
  reason: CircuitChangeReason;
}

/**
 * Default share of failed calls in the sampling window that opens the circuit: 0.5.
 *
 * @example
 * ```ts
 * import { DEFAULT_FAILURE_RATIO } from '@brace/backoff';
 *
 * console.log(DEFAULT_FAILURE_RATIO);
 * ```
 */
export const DEFAULT_FAILURE_RATIO = 0.5;
/**
 * Default number of calls in the window before the ratio is judged: 10.
 *
 * @example
 * ```ts
 * import { DEFAULT_MINIMUM_THROUGHPUT } from '@brace/backoff';
 *
 * console.log(DEFAULT_MINIMUM_THROUGHPUT);
 * ```
 */
export const DEFAULT_MINIMUM_THROUGHPUT = 10;
/**
 * Default sampling window: 10 s.
 *
 * @example
 * ```ts
 * import { DEFAULT_SAMPLING_WINDOW_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_SAMPLING_WINDOW_MS);
 * ```
 */
export const DEFAULT_SAMPLING_WINDOW_MS = 10_000;
/**
 * Default time the circuit stays open before a probe: 5 s.
 *
 * @example
 * ```ts
 * import { DEFAULT_BREAK_DURATION_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_BREAK_DURATION_MS);
 * ```
 */
export const DEFAULT_BREAK_DURATION_MS = 5_000;
/**
 * Default number of concurrent probes in half-open state: 1.
 *
 * @example
 * ```ts
 * import { DEFAULT_HALF_OPEN_PROBES } from '@brace/backoff';
 *
 * console.log(DEFAULT_HALF_OPEN_PROBES);
 * ```
 */
export const DEFAULT_HALF_OPEN_PROBES = 1;

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive-failures mode: the circuit opens after this many failures in a row (a success
   * resets the count; ignored outcomes do not), like cockatiel's `ConsecutiveBreaker`. The ratio
   * options are then unused. Default: none (the failure-ratio mode).
   */
  consecutiveFailures?: number;
  /** Failure share (0 < x ≤ 1) in the window that opens the circuit. Default {@link DEFAULT_FAILURE_RATIO}. */
  failureRatio?: number;
  /** Calls needed in the window before judging. Default {@link DEFAULT_MINIMUM_THROUGHPUT}. */
  minimumThroughput?: number;
  /** Sliding window for the ratio, in ms. Default {@link DEFAULT_SAMPLING_WINDOW_MS}. */
  samplingWindowMs?: number;
  /** How long the circuit stays open before probing, in ms. Default {@link DEFAULT_BREAK_DURATION_MS}. */
  breakDurationMs?: number;
  /** Concurrent probe calls allowed while half-open. Default {@link DEFAULT_HALF_OPEN_PROBES}. */
  halfOpenProbes?: number;
  /**
   * Which errors of `execute()` count as failures. Default: `isRetryableError` with timeouts.
   * Other errors (a 404, your own bug) and aborts are *ignored*: not counted, and a probe
   * ending so leaves the circuit half-open for the next call to probe.
   */
  isFailure?: (error: unknown) => boolean;
  /** Called on every state change. A throwing callback is ignored. */
  onStateChange?: (event: CircuitStateChangeEvent) => void;
  /** Most keys tracked (LRU eviction). Default `DEFAULT_MAX_KEYS` (10,000). */
  maxKeys?: number;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/** Options of {@link CircuitBreaker.execute}. */
export interface ExecuteOptions {
  /** The circuit to use (e.g. a host). Default `''`. */
  key?: string;
  /** Passed on to `fn`; already aborted, `fn` is not called and the call rejects with its reason. */
  signal?: AbortSignal;
}

/** What `fn` receives from {@link CircuitBreaker.execute}. */
export interface ExecuteContext {
  /** The `signal` of the execute options (one that never aborts without it): pass it on to `fetch`. */
  readonly signal: AbortSignal;
}

/**
 * A circuit breaker: closed (calls flow, outcomes sampled), open (calls fail fast with
 * {@link CircuitOpenError}), half-open (a few probes decide whether to close again).
 */
export interface CircuitBreaker {
  /**
   * Runs `fn` through the circuit: fails fast while open, records the outcome. The outcome of a
   * call that started before the circuit last opened is stale and ignored.
   */
  execute<T>(fn: (context: ExecuteContext) => T | Promise<T>, options?: ExecuteOptions): Promise<T>;
  /** Asks to make a call: throws {@link CircuitOpenError} if the circuit refuses it. */
  acquire(key?: string): void;
  /** Records a successful call. */
  recordSuccess(key?: string): void;
  /** Records a failed call. */
  recordFailure(key?: string): void;
  /**
   * Records a call whose outcome says nothing about the server's health (an abort, a 404): it
   * is not counted, and while half-open it frees its probe slot without closing the circuit,
   * so the next call probes. `execute()` does this by itself for aborts and for errors
   * `isFailure` rejects.
   */
  recordIgnored(key?: string): void;
  /** The circuit's current state (an expired open circuit reads as half-open). */
  state(key?: string): CircuitState;
  /** Opens the circuit by hand, until {@link CircuitBreaker.reset}: every call fails fast with `CircuitOpenError`. */
  isolate(key?: string): void;
  /** Closes the circuit by hand and forgets its counts (it also ends an isolation). */
  reset(key?: string): void;
}
