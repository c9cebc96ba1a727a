import { type Clock, systemClock } from '@brace/core';
import { NEVER_ABORTED, runWithTimeout } from './attempt.js';
import type { RetryBudget } from './budget.js';
import { isTransientError, serverDelayOf } from './classify.js';
import { RetryAfterTooLongError, RetryBudgetExhaustedError, RetryDeadlineError } from './errors.js';
import { recordHistory } from './history.js';
import { checkOptionNames, RETRY_OPTIONS } from './option-names.js';
import { serverWait } from './server-wait.js';
import { defaultStrategy, type Strategy, safeDelay } from './strategies.js';
import { emit, functionOption, MAX_DELAY_MS, numberOption } from './validate.js';

/**
 * Default total number of attempts (the first call plus retries): 3.
 *
 * @example
 * ```ts
 * import { DEFAULT_ATTEMPTS } from '@brace/backoff';
 *
 * console.log(DEFAULT_ATTEMPTS);
 * ```
 */
export const DEFAULT_ATTEMPTS = 3;
/**
 * Default longest server-requested wait honoured: 60 s. A longer one gives up with `RetryAfterTooLongError`.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_RETRY_AFTER_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_MAX_RETRY_AFTER_MS);
 * ```
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/**
 * Default positive jitter on a server-requested wait: up to 20% of it is added.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY_AFTER_JITTER } from '@brace/backoff';
 *
 * console.log(DEFAULT_RETRY_AFTER_JITTER);
 * ```
 */
export const DEFAULT_RETRY_AFTER_JITTER = 0.2;

/** What `fn` receives on each attempt. */
export interface AttemptContext {
  /** The attempt number, 1 for the first call. */
  readonly attempt: number;
  /**
   * Pass it on to `fetch` and friends: it aborts when the caller's `signal` does or, with
   * `attemptTimeoutMs`, when this attempt is out of time. Never aborts when neither is set.
   */
  readonly signal: AbortSignal;
}

/** What `onRetry` receives before each wait. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  /** Its error. */
  error: unknown;
  /** How long `retry()` now waits, in ms. */
  delayMs: number;
  /** The wait the server asked for (Retry-After / rate-limit reset), if any, in ms. */
  serverDelayMs: number | undefined;
}

/** Why `retry()` stopped without a result. */
export type GiveUpReason =
  | 'not-retryable'
  | 'exhausted'
  | 'deadline'
  | 'budget'
  | 'retry-after-too-long'
  | 'aborted';

/** What `onGiveUp` receives when `retry()` stops without a result. */
export interface GiveUpEvent {
  /** The number of attempts made. */
  attempt: number;
  /** The last error. */
  error: unknown;
  /** Every attempt's error, first to last. */
  errors: readonly unknown[];
  /** Why it stopped. */
  reason: GiveUpReason;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Total attempts including the first (1–10,000). Default {@link DEFAULT_ATTEMPTS}. */
  attempts?: number;
  /** The delay before each retry. Default `exponential()` (full jitter, base 100 ms, cap 20 s). */
  strategy?: Strategy;
  /**
   * Decides whether an error is worth another attempt. Default {@link isTransientError}: any
   * error except an abort and a permanent one (4xx other than 408/425/429, Brace's own
   * verdicts, a `TypeError` that is not a network error), as p-retry.
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Whether the default classifier retries timeouts (an `attemptTimeoutMs` expiry included). Default `true`. */
  retryOnTimeout?: boolean;
  /** Cancels the call: waits end at once with `signal.reason`; an aborted signal means `fn` never runs. */
  signal?: AbortSignal;
  /**
   * Time one attempt may take, in ms: then the signal `fn` received aborts with a
   * `TimeoutError` and the attempt fails with it at once (even if `fn` ignores the signal),
   * which is retried (see `retryOnTimeout`). Default: none.
   */
  attemptTimeoutMs?: number;
  /**
   * The overall deadline, in ms since `retry()` was called, over **all** attempts and waits (not
   * one attempt: that is `attemptTimeoutMs`). `retry()` gives up with `RetryDeadlineError`
   * instead of starting a wait that would end past it; it does not cut a running attempt short.
   */
  totalTimeout?: number;
  /** Longest server-requested wait honoured, in ms. Default {@link DEFAULT_MAX_RETRY_AFTER_MS}. */
  maxRetryAfter?: number;
  /** Up to this share of a server-requested wait is added at random (0–1). Default {@link DEFAULT_RETRY_AFTER_JITTER}. */
  retryAfterJitter?: number;
  /** Whether to read Retry-After / rate-limit headers from errors. Default `true`. */
  respectRetryAfter?: boolean;
  /** A retry budget shared across calls. */
  budget?: RetryBudget;
  /** The budget key (e.g. a host). Default `''`. */
  budgetKey?: string;
  /** Called before each wait. A throwing callback is ignored. */
  onRetry?: (event: RetryEvent) => void;
  /** Called when `retry()` gives up. A throwing callback is ignored. */
  onGiveUp?: (event: GiveUpEvent) => void;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
  /** Uniform random in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const FIRST: AttemptContext = Object.freeze({ attempt: 1, signal: NEVER_ABORTED });
const NO_OPTIONS: RetryOptions = Object.freeze({});

function check(o: RetryOptions): void {
  checkOptionNames(o, RETRY_OPTIONS);
  if (o.attempts !== undefined) numberOption('attempts', o.attempts, 0, 1, 10_000, true);
  if (o.attemptTimeoutMs !== undefined) {
    numberOption('attemptTimeoutMs', o.attemptTimeoutMs, 0, 1, MAX_DELAY_MS);
  }
  if (o.totalTimeout !== undefined) {
    numberOption('totalTimeout', o.totalTimeout, 0, 0, Number.MAX_SAFE_INTEGER);
  }
  if (o.maxRetryAfter !== undefined) {
    numberOption('maxRetryAfter', o.maxRetryAfter, 0, 0, MAX_DELAY_MS);
  }
  if (o.retryAfterJitter !== undefined) {
    numberOption('retryAfterJitter', o.retryAfterJitter, 0, 0, 1);
  }
  if (o.strategy !== undefined) functionOption('strategy', o.strategy);
  if (o.shouldRetry !== undefined) functionOption('shouldRetry', o.shouldRetry);
  if (o.random !== undefined) functionOption('random', o.random);
}

/**
 * Calls `fn` and retries it on transient failures with backoff and jitter, honouring the
 * server's Retry-After / rate-limit reset, a per-attempt `attemptTimeoutMs`, an overall
 * `totalTimeout`, an `AbortSignal` and an optional shared retry budget. Resolves with `fn`'s
 * first success. Rejects with **the last attempt's own error** when it is not retryable or
 * attempts run out (as p-retry and cockatiel: `retryHistoryOf(error)` gives every attempt's
 * error), with `RetryDeadlineError`, `RetryBudgetExhaustedError` or `RetryAfterTooLongError`
 * (each keeps every attempt's error in `errors`), or with `signal.reason` on abort.
 *
 * A succeeding first call costs almost nothing: nothing is allocated before a failure.
 *
 * @example
 * ```ts
 * import { retry } from '@brace/backoff';
 *
 * const user = await retry(
 *   async ({ signal }) => {
 *     const response = await fetch('https://api.example.com/user', { signal });
 *     if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { response });
 *     return response.json();
 *   },
 *   { attempts: 4, totalTimeout: 10_000, onRetry: ({ delayMs }) => log(`retrying in ${delayMs}`) },
 * );
 * ```
 */
export async function retry<T>(
  fn: (context: AttemptContext) => T | PromiseLike<T>,
  options?: RetryOptions,
): Promise<T> {
  let context = FIRST;
  let budget: RetryBudget | undefined;
  let start = 0;
  if (options !== undefined) {
    check(options);
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) throw signal.reason;
      context = { attempt: 1, signal };
    }
    if (options.totalTimeout !== undefined) start = (options.clock ?? systemClock).now();
    budget = options.budget;
    if (budget !== undefined) budget.onRequest(options.budgetKey);
  }
  try {
    const value =
      options?.attemptTimeoutMs === undefined ? await fn(context) : await attemptOf(fn, 1, options);
    if (budget !== undefined) budget.onSuccess(options?.budgetKey);
    return value;
  } catch (error) {
    return retryAfterFailure(fn, options ?? NO_OPTIONS, error, start);
  }
}

/** The slow path: everything after the first failure. */
async function retryAfterFailure<T>(
  fn: (context: AttemptContext) => T | PromiseLike<T>,
  o: RetryOptions,
  firstError: unknown,
  start: number,
): Promise<T> {
  const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
  const strategy = o.strategy ?? defaultStrategy;
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const maxRetryAfter = o.maxRetryAfter ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const retryAfterJitter = o.retryAfterJitter ?? DEFAULT_RETRY_AFTER_JITTER;
  const { signal, budget, budgetKey, totalTimeout, onRetry, onGiveUp } = o;
  const key = budgetKey ?? '';
  const errors: unknown[] = [firstError];
  const strategyContext = { previous: 0, random };
  let error = firstError;
  let attempt = 1;

  const giveUp = (reason: GiveUpReason) => emit(onGiveUp, { attempt, error, errors, reason });
  /** Gives up rethrowing `thrown` itself, its attempt history kept for `retryHistoryOf`. */
  const rethrow = (reason: 'not-retryable' | 'exhausted' | 'aborted', thrown: unknown) => {
    giveUp(reason);
    recordHistory(thrown, { attempts: attempt, errors, reason });
    return thrown;
  };

  for (;;) {
    if (signal?.aborted) throw rethrow('aborted', signal.reason);
    const retryable =
      o.shouldRetry !== undefined
        ? await o.shouldRetry(error, attempt)
        : isTransientError(error, o);
    if (!retryable) throw rethrow('not-retryable', error);
    budget?.onFailure(budgetKey);
    if (attempt >= attempts) throw rethrow('exhausted', error);

    let delay = safeDelay(strategy(attempt, strategyContext));
    strategyContext.previous = delay;
    const serverDelay =
      o.respectRetryAfter === false ? undefined : serverDelayOf(error, clock.now());
    if (serverDelay !== undefined) {
      if (serverDelay > maxRetryAfter) {
        giveUp('retry-after-too-long');
        throw new RetryAfterTooLongError(serverDelay, maxRetryAfter, errors);
      }
      // At least what the server asked for, plus positive jitter so clients told the same
      // time do not all wake together, at any value (the cap included).
      const jittered = serverWait(serverDelay, random, retryAfterJitter);
      if (jittered > delay) delay = jittered;
    }
    if (totalTimeout !== undefined) {
      const elapsedMs = clock.now() - start;
      if (elapsedMs + delay > totalTimeout) {
        giveUp('deadline');
        throw new RetryDeadlineError({ totalTimeout, elapsedMs, nextDelayMs: delay, errors });
      }
    }
    if (budget !== undefined && !budget.tryRetry(budgetKey)) {
      giveUp('budget');
      throw new RetryBudgetExhaustedError(key, errors);
    }
    emit(onRetry, { attempt, error, delayMs: delay, serverDelayMs: serverDelay });

    try {
      await clock.sleep(delay, signal);
    } catch (reason) {
      throw rethrow('aborted', reason);
    }
    attempt++;
    try {
      const value =
        o.attemptTimeoutMs === undefined
          ? await fn({ attempt, signal: signal ?? NEVER_ABORTED })
          : await attemptOf(fn, attempt, o);
      budget?.onSuccess(budgetKey);
      return value;
    } catch (next) {
      error = next;
      errors.push(next);
    }
  }
}

/** One attempt under `attemptTimeoutMs`. */
function attemptOf<T>(
  fn: (context: AttemptContext) => T | PromiseLike<T>,
  attempt: number,
  o: RetryOptions,
): Promise<T> {
  return runWithTimeout(
    (signal) => fn({ attempt, signal }),
    o.attemptTimeoutMs as number,
    o.signal,
    o.clock ?? systemClock,
  );
}
