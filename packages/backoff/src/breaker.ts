import { type Clock, systemClock } from '@brace/core';
import { isAbortError, isRetryableError } from './classify.js';
import { CircuitOpenError } from './errors.js';
import { DEFAULT_MAX_KEYS, KeyedState } from './keyed.js';
import { emit, functionOption, numberOption } from './validate.js';

/** A circuit's state. */
export type CircuitState = 'closed' | 'open' | 'half-open';

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
  /** Most keys tracked (LRU eviction). Default {@link DEFAULT_MAX_KEYS} (10,000). */
  maxKeys?: number;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/** Options of {@link CircuitBreaker.execute}. */
export interface ExecuteOptions {
  /** The circuit to use (e.g. a host). Default `''`. */
  key?: string;
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
  execute<T>(fn: () => T | Promise<T>, options?: ExecuteOptions): Promise<T>;
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
}

interface Circuit {
  state: CircuitState;
  openedAt: number;
  probes: number;
  probeSince: number;
  /** Which opening the circuit is in (0 before the first): results of calls started earlier are stale. */
  generation: number;
  calls: number[];
  failures: number[];
  epoch: number;
}

const BUCKETS = 10;

/** A call's outcome as the breaker sees it. */
type Outcome = 0 | 1 | 2;
const SUCCEEDED: Outcome = 0;
const FAILED: Outcome = 1;
const IGNORED: Outcome = 2;

/**
 * Creates a {@link CircuitBreaker}. The circuit opens when, within `samplingWindowMs`, at
 * least `minimumThroughput` calls were made and the failure share reaches
 * `failureRatio`; after `breakDurationMs` it lets `halfOpenProbes` probe calls through:
 * a success closes it, a failure opens it again.
 *
 * @example
 * ```ts
 * import { createCircuitBreaker } from '@brace/backoff';
 *
 * const breaker = createCircuitBreaker({
 *   failureRatio: 0.5,
 *   breakDurationMs: 10_000,
 *   onStateChange: ({ from, to }) => log.warn(`circuit ${from} -> ${to}`),
 * });
 * const report = await breaker.execute(() => fetchReport());
 * ```
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const failureRatio = numberOption(
    'failureRatio',
    options.failureRatio,
    DEFAULT_FAILURE_RATIO,
    Number.MIN_VALUE,
    1,
  );
  const minimumThroughput = numberOption(
    'minimumThroughput',
    options.minimumThroughput,
    DEFAULT_MINIMUM_THROUGHPUT,
    1,
    1_000_000,
    true,
  );
  const windowMs = numberOption(
    'samplingWindowMs',
    options.samplingWindowMs,
    DEFAULT_SAMPLING_WINDOW_MS,
    100,
    3_600_000,
  );
  const breakMs = numberOption(
    'breakDurationMs',
    options.breakDurationMs,
    DEFAULT_BREAK_DURATION_MS,
    1,
    86_400_000,
  );
  const probes = numberOption(
    'halfOpenProbes',
    options.halfOpenProbes,
    DEFAULT_HALF_OPEN_PROBES,
    1,
    1_000,
    true,
  );
  const maxKeys = numberOption('maxKeys', options.maxKeys, DEFAULT_MAX_KEYS, 1, 1_000_000, true);
  const isFailure =
    functionOption('isFailure', options.isFailure) ??
    ((error: unknown) => isRetryableError(error, { retryOnTimeout: true }));
  const onStateChange = functionOption('onStateChange', options.onStateChange);
  const clock = options.clock ?? systemClock;
  const bucketMs = windowMs / BUCKETS;
  // An idle circuit is forgotten (closed afresh) once nothing it holds can matter.
  const keys = new KeyedState<Circuit>(
    () => ({
      state: 'closed',
      openedAt: 0,
      probes: 0,
      probeSince: 0,
      generation: 0,
      calls: new Array(BUCKETS).fill(0),
      failures: new Array(BUCKETS).fill(0),
      epoch: 0,
    }),
    maxKeys,
    Math.max(windowMs, breakMs) * 2,
  );

  let openings = 0;
  const transition = (key: string, c: Circuit, to: CircuitState, now: number) => {
    const from = c.state;
    c.state = to;
    if (to === 'open') {
      c.openedAt = now;
      c.generation = ++openings;
    }
    if (to !== 'half-open') c.probes = 0;
    if (to === 'closed') {
      c.calls.fill(0);
      c.failures.fill(0);
    }
    emit(onStateChange, { key, from, to, at: now });
  };

  const roll = (c: Circuit, now: number) => {
    const epoch = Math.floor(now / bucketMs);
    if (epoch > c.epoch) {
      const steps = Math.min(BUCKETS, epoch - c.epoch);
      for (let i = 1; i <= steps; i++) {
        const index = (c.epoch + i) % BUCKETS;
        c.calls[index] = 0;
        c.failures[index] = 0;
      }
      c.epoch = epoch;
    }
  };

  /** Records an outcome; `ticket` (from `acquire`) marks a call started before the last opening as stale. */
  const record = (key: string | undefined, outcome: Outcome, ticket?: number) => {
    const k = key ?? '';
    const now = clock.now();
    const c = keys.get(k, now);
    // A call started before the circuit last opened says nothing about the probe: ignore it.
    if (ticket !== undefined && ticket !== c.generation) return;
    if (outcome === IGNORED) {
      // Not a verdict on the server: a half-open probe's slot is freed for the next call.
      if (c.state === 'half-open' && c.probes > 0) c.probes--;
      return;
    }
    const failed = outcome === FAILED;
    if (c.state === 'half-open') {
      transition(k, c, failed ? 'open' : 'closed', now);
      return;
    }
    if (c.state === 'open') return; // a late result of a call started before opening
    roll(c, now);
    const index = c.epoch % BUCKETS;
    c.calls[index] = (c.calls[index] as number) + 1;
    if (!failed) return;
    c.failures[index] = (c.failures[index] as number) + 1;
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      calls += c.calls[i] as number;
      failures += c.failures[i] as number;
    }
    if (calls >= minimumThroughput && failures / calls >= failureRatio)
      transition(k, c, 'open', now);
  };

  /** Admits a call or throws; returns the circuit's generation, the call's ticket. */
  const acquire = (key?: string): number => {
    const k = key ?? '';
    const now = clock.now();
    const c = keys.get(k, now);
    if (c.state === 'closed') return c.generation;
    if (c.state === 'open') {
      if (now - c.openedAt < breakMs) throw new CircuitOpenError(k, c.openedAt + breakMs, now);
      transition(k, c, 'half-open', now);
    }
    // Half-open: a probe slot is freed by its result, or after breakDurationMs if lost.
    if (c.probes > 0 && now - c.probeSince >= breakMs) c.probes = 0;
    if (c.probes >= probes) throw new CircuitOpenError(k, c.probeSince + breakMs, now);
    if (c.probes === 0) c.probeSince = now;
    c.probes++;
    return c.generation;
  };

  return {
    acquire,
    recordSuccess: (key) => record(key, SUCCEEDED),
    recordFailure: (key) => record(key, FAILED),
    recordIgnored: (key) => record(key, IGNORED),
    state(key) {
      const now = clock.now();
      const c = keys.peek(key ?? '', now);
      if (c === undefined) return 'closed';
      return c.state === 'open' && now - c.openedAt >= breakMs ? 'half-open' : c.state;
    },
    async execute(fn, executeOptions) {
      const key = executeOptions?.key;
      const ticket = acquire(key);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn();
      } catch (error) {
        record(key, !isAbortError(error) && isFailure(error) ? FAILED : IGNORED, ticket);
        throw error;
      }
      record(key, SUCCEEDED, ticket);
      return result;
    },
  };
}
