import { systemClock } from '@brace/core';
import { NEVER_ABORTED } from './attempt.js';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitChangeReason,
  type CircuitState,
  DEFAULT_BREAK_DURATION_MS,
  DEFAULT_FAILURE_RATIO,
  DEFAULT_HALF_OPEN_PROBES,
  DEFAULT_MINIMUM_THROUGHPUT,
  DEFAULT_SAMPLING_WINDOW_MS,
} from './breaker-options.js';
import { isAbortError, isRetryableError } from './classify.js';
import { CircuitOpenError } from './errors.js';
import { DEFAULT_MAX_KEYS, KeyedState } from './keyed.js';
import { BREAKER_HINTS, checkOptionNames } from './option-names.js';
import { emit, functionOption, numberOption } from './validate.js';

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
  /** Failures in a row (consecutive-failures mode). */
  streak: number;
}

const BUCKETS = 10;

/** A call's outcome as the breaker sees it. */
type Outcome = 0 | 1 | 2;
const SUCCEEDED: Outcome = 0;
const FAILED: Outcome = 1;
const IGNORED: Outcome = 2;

const NO_SIGNAL = Object.freeze({ signal: NEVER_ABORTED });

const OPTIONS = new Set([
  'consecutiveFailures',
  'failureRatio',
  'minimumThroughput',
  'samplingWindowMs',
  'breakDurationMs',
  'halfOpenProbes',
  'isFailure',
  'onStateChange',
  'maxKeys',
  'clock',
]);

/**
 * Creates a {@link CircuitBreaker}. In the default failure-ratio mode the circuit opens when,
 * within `samplingWindowMs`, at least `minimumThroughput` calls were made and the failure
 * share reaches `failureRatio`; with `consecutiveFailures: n` it opens after n failures in a
 * row. After `breakDurationMs` it lets `halfOpenProbes` probe calls through: a success closes
 * it, a failure opens it again, an ignored outcome (an abort, a 404) lets the next call probe.
 * `isolate()` holds it open by hand until `reset()`. Unknown option names throw
 * `BackoffOptionError` (opossum's and cockatiel's names get a pointer to ours).
 *
 * @example
 * ```ts
 * import { createCircuitBreaker } from '@brace/backoff';
 *
 * const breaker = createCircuitBreaker({
 *   consecutiveFailures: 5,
 *   breakDurationMs: 10_000,
 *   onStateChange: ({ from, to, reason }) => log.warn(`circuit ${from} -> ${to} (${reason})`),
 * });
 * const report = await breaker.execute(({ signal }) => fetch('https://api.example.com/report', { signal }));
 * ```
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  checkOptionNames(options, OPTIONS, BREAKER_HINTS);
  const consecutive =
    options.consecutiveFailures === undefined
      ? 0
      : numberOption('consecutiveFailures', options.consecutiveFailures, 0, 1, 1_000_000, true);
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
  // An idle circuit is forgotten (closed afresh) once nothing it holds can matter; an
  // isolated one is kept (touched on every read) until reset.
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
      streak: 0,
    }),
    maxKeys,
    Math.max(windowMs, breakMs) * 2,
  );

  let openings = 0;
  const transition = (
    key: string,
    c: Circuit,
    to: CircuitState,
    now: number,
    reason: CircuitChangeReason,
  ) => {
    const from = c.state;
    c.state = to;
    if (to === 'open' || to === 'isolated') {
      c.openedAt = now;
      c.generation = ++openings;
    }
    if (to !== 'half-open') c.probes = 0;
    if (to === 'closed') {
      c.calls.fill(0);
      c.failures.fill(0);
      c.streak = 0;
    }
    emit(onStateChange, { key, from, to, at: now, reason });
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

  /** Whether a failure just recorded in the closed state trips the circuit (ratio mode). */
  const ratioTripped = (c: Circuit, now: number): boolean => {
    roll(c, now);
    const index = c.epoch % BUCKETS;
    c.calls[index] = (c.calls[index] as number) + 1;
    c.failures[index] = (c.failures[index] as number) + 1;
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      calls += c.calls[i] as number;
      failures += c.failures[i] as number;
    }
    return calls >= minimumThroughput && failures / calls >= failureRatio;
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
      if (failed) transition(k, c, 'open', now, 'probe-failed');
      else transition(k, c, 'closed', now, 'probe-succeeded');
      return;
    }
    if (c.state !== 'closed') return; // a late result of a call started before opening
    if (!failed) {
      c.streak = 0;
      if (consecutive === 0) {
        roll(c, now);
        const index = c.epoch % BUCKETS;
        c.calls[index] = (c.calls[index] as number) + 1;
      }
      return;
    }
    if (consecutive > 0) {
      if (++c.streak >= consecutive) transition(k, c, 'open', now, 'consecutive-failures');
    } else if (ratioTripped(c, now)) transition(k, c, 'open', now, 'failure-ratio');
  };

  /** Admits a call or throws; returns the circuit's generation, the call's ticket. */
  const acquire = (key?: string): number => {
    const k = key ?? '';
    const now = clock.now();
    const c = keys.get(k, now);
    if (c.state === 'closed') return c.generation;
    if (c.state === 'isolated') throw new CircuitOpenError(k, Number.POSITIVE_INFINITY, now);
    if (c.state === 'open') {
      if (now - c.openedAt < breakMs) throw new CircuitOpenError(k, c.openedAt + breakMs, now);
      transition(k, c, 'half-open', now, 'break-elapsed');
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
    isolate(key) {
      const k = key ?? '';
      const now = clock.now();
      const c = keys.get(k, now, true);
      if (c.state !== 'isolated') transition(k, c, 'isolated', now, 'isolated');
    },
    reset(key) {
      const k = key ?? '';
      const now = clock.now();
      const c = keys.get(k, now);
      if (c.state !== 'closed') transition(k, c, 'closed', now, 'reset');
      else {
        c.calls.fill(0);
        c.failures.fill(0);
        c.streak = 0;
      }
      keys.pin(k, false);
    },
    async execute(fn, executeOptions) {
      const key = executeOptions?.key;
      const signal = executeOptions?.signal;
      if (signal?.aborted) throw signal.reason;
      const ticket = acquire(key);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(signal === undefined ? NO_SIGNAL : { signal });
      } catch (error) {
        record(key, !isAbortError(error) && isFailure(error) ? FAILED : IGNORED, ticket);
        throw error;
      }
      record(key, SUCCEEDED, ticket);
      return result;
    },
  };
}
