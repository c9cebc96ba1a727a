import { BraceError } from '@brace/core';

/**
 * Every attempt failed with a retryable error. `errors` holds each attempt's error in order
 * (nothing is swallowed) and `cause` is the last one.
 *
 * @deprecated `retry()` now rethrows the last attempt's own error when attempts run out, as
 * p-retry and cockatiel do; read the attempts with `retryHistoryOf(error)`. This class is no
 * longer thrown and will be removed.
 *
 * @example
 * ```ts
 * import { retry, RetryExhaustedError } from '@brace/backoff';
 *
 * try {
 *   await retry(() => fetchReport(), { attempts: 3 });
 * } catch (error) {
 *   if (error instanceof RetryExhaustedError) console.log(error.errors.length); // 3
 * }
 * ```
 */
export class RetryExhaustedError extends BraceError {
  /** How many attempts were made. */
  readonly attempts: number;
  /** Every attempt's error, first to last. */
  readonly errors: readonly unknown[];

  /**
   * @param errors - every attempt's error, first to last (the last becomes `cause`)
   */
  constructor(errors: readonly unknown[]) {
    super(
      'RETRY_EXHAUSTED',
      `All ${errors.length} attempts failed; see \`errors\` for each attempt and \`cause\` for the last. Raise \`attempts\` or fix the underlying failure.`,
      { cause: errors[errors.length - 1] },
    );
    this.attempts = errors.length;
    this.errors = errors;
  }
}

/**
 * The next wait would overrun `totalTimeout`, so `retry()` gave up before waiting.
 *
 * @example
 * ```ts
 * import { retry, RetryDeadlineError } from '@brace/backoff';
 *
 * try {
 *   await retry(callApi, { totalTimeout: 5_000 });
 * } catch (error) {
 *   if (error instanceof RetryDeadlineError) console.log(error.elapsedMs, error.nextDelayMs);
 * }
 * ```
 */
export class RetryDeadlineError extends BraceError {
  /** The `totalTimeout` that would have been overrun, in ms. */
  readonly totalTimeout: number;
  /** Time spent so far, in ms. */
  readonly elapsedMs: number;
  /** The wait that was not started, in ms. */
  readonly nextDelayMs: number;
  /** Every attempt's error, first to last. */
  readonly errors: readonly unknown[];

  /**
   * @param details - the deadline, the elapsed time, the wait that was refused and the errors so far
   */
  constructor(details: {
    totalTimeout: number;
    elapsedMs: number;
    nextDelayMs: number;
    errors: readonly unknown[];
  }) {
    super(
      'RETRY_DEADLINE_EXCEEDED',
      `Gave up after ${details.errors.length} attempt(s): waiting ${Math.round(details.nextDelayMs)} ms more would overrun totalTimeout (${details.totalTimeout} ms, ${Math.round(details.elapsedMs)} ms used). Raise totalTimeout or lower the backoff cap.`,
      { cause: details.errors[details.errors.length - 1] },
    );
    this.totalTimeout = details.totalTimeout;
    this.elapsedMs = details.elapsedMs;
    this.nextDelayMs = details.nextDelayMs;
    this.errors = details.errors;
  }
}

/**
 * The retry budget (shared across calls) is spent, so this call fails fast instead of
 * adding load to a struggling server. `cause` is the error that would have been retried.
 *
 * @example
 * ```ts
 * import { createRetryBudget, retry, RetryBudgetExhaustedError } from '@brace/backoff';
 *
 * const budget = createRetryBudget();
 * try {
 *   await retry(callApi, { budget });
 * } catch (error) {
 *   if (error instanceof RetryBudgetExhaustedError) metrics.count('retry.budget_exhausted');
 * }
 * ```
 */
export class RetryBudgetExhaustedError extends BraceError {
  /** The budget key (the host in the ky adapter); `''` for the default key. */
  readonly key: string;
  /** Every attempt's error so far, first to last. */
  readonly errors: readonly unknown[];

  /**
   * @param key - the budget key (`''` for the default)
   * @param errors - every attempt's error so far (the last becomes `cause`)
   */
  constructor(key: string, errors: readonly unknown[]) {
    super(
      'RETRY_BUDGET_EXHAUSTED',
      `Not retrying${key ? ` requests to ${key}` : ''}: the retry budget is spent (too many retries relative to requests recently). The server is likely overloaded; the call fails fast instead.`,
      { cause: errors[errors.length - 1] },
    );
    this.key = key;
    this.errors = errors;
  }
}

/**
 * The circuit breaker is open (or half-open with every probe slot taken): the call was not
 * made. `retryAt` says when the breaker will let a probe through.
 *
 * @example
 * ```ts
 * import { CircuitOpenError, createCircuitBreaker } from '@brace/backoff';
 *
 * const breaker = createCircuitBreaker();
 * try {
 *   await breaker.execute(callApi);
 * } catch (error) {
 *   if (error instanceof CircuitOpenError) console.log(`try again in ${error.retryAfterMs} ms`);
 * }
 * ```
 */
export class CircuitOpenError extends BraceError {
  /** The breaker key (the host in the ky adapter); `''` for the default key. */
  readonly key: string;
  /** When (epoch ms, on the breaker's clock) a probe will be allowed through; `Infinity` while isolated. */
  readonly retryAt: number;
  /** Milliseconds from now until `retryAt` (never negative). */
  readonly retryAfterMs: number;

  /**
   * @param key - the breaker key (`''` for the default)
   * @param retryAt - epoch ms when a probe will be allowed
   * @param now - the current time on the breaker's clock
   */
  constructor(key: string, retryAt: number, now: number) {
    const retryAfterMs = Math.max(0, retryAt - now);
    super(
      'CIRCUIT_OPEN',
      retryAt === Number.POSITIVE_INFINITY
        ? `The circuit breaker${key ? ` for ${key}` : ''} is isolated by hand; the call was not made. Call reset() to close it.`
        : `The circuit breaker${key ? ` for ${key}` : ''} is open after repeated failures; the call was not made. It will let a probe through in ${Math.ceil(retryAfterMs)} ms.`,
    );
    this.key = key;
    this.retryAt = retryAt;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The server asked for a wait (Retry-After or a rate-limit reset) longer than
 * `maxRetryAfter`. Rather than silently shortening the wait and hammering the server, the
 * call gives up. `cause` is the failure that carried the header.
 *
 * @example
 * ```ts
 * import { retry, RetryAfterTooLongError } from '@brace/backoff';
 *
 * try {
 *   await retry(callApi, { maxRetryAfter: 30_000 });
 * } catch (error) {
 *   if (error instanceof RetryAfterTooLongError) schedule(callApi, error.delayMs);
 * }
 * ```
 */
export class RetryAfterTooLongError extends BraceError {
  /** The wait the server asked for, in ms. */
  readonly delayMs: number;
  /** The configured `maxRetryAfter`, in ms. */
  readonly maxRetryAfter: number;
  /** Every attempt's error so far, first to last. */
  readonly errors: readonly unknown[];

  /**
   * @param delayMs - the wait the server asked for
   * @param maxRetryAfter - the configured cap
   * @param errors - every attempt's error so far (the last becomes `cause`)
   */
  constructor(delayMs: number, maxRetryAfter: number, errors: readonly unknown[]) {
    super(
      'RETRY_AFTER_TOO_LONG',
      `The server asked to wait ${Math.ceil(delayMs)} ms before retrying, more than maxRetryAfter (${maxRetryAfter} ms); giving up instead of retrying early. Raise maxRetryAfter or schedule the call for later.`,
      { cause: errors[errors.length - 1] },
    );
    this.delayMs = delayMs;
    this.maxRetryAfter = maxRetryAfter;
    this.errors = errors;
  }
}

/**
 * An option is out of range or of the wrong type. Thrown at construction (or when
 * `retry()` is called), naming the option and the accepted range.
 *
 * @example
 * ```ts
 * import { exponential, BackoffOptionError } from '@brace/backoff';
 *
 * try {
 *   exponential({ factor: 0.5 });
 * } catch (error) {
 *   if (error instanceof BackoffOptionError) console.log(error.option); // 'factor'
 * }
 * ```
 */
export class BackoffOptionError extends BraceError {
  /** The name of the offending option. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - what the option accepts, e.g. `an integer from 1 to 100`
   */
  constructor(option: string, expected: string, message?: string) {
    super('BACKOFF_INVALID_OPTION', message ?? `Option \`${option}\` must be ${expected}.`);
    this.option = option;
  }

  /**
   * An option name that is not known (from untyped JavaScript, or a peer library's config),
   * with what to use instead.
   *
   * @param option - the unknown name
   * @param suggestion - what to use instead, if anything fits
   */
  static unknown(option: string, suggestion: string | undefined): BackoffOptionError {
    const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    return new BackoffOptionError(
      option,
      'a known option',
      `Unknown option \`${option}\`${hint} See the options table in the @brace/backoff README.`,
    );
  }
}
