/** What {@link retryHistoryOf} returns: how the attempts of a failed `retry()` went. */
export interface RetryHistory {
  /** How many attempts were made. */
  readonly attempts: number;
  /** Every attempt's error, first to last (the last is the error thrown). */
  readonly errors: readonly unknown[];
  /** Why `retry()` stopped. */
  readonly reason: 'not-retryable' | 'exhausted' | 'aborted';
}

const histories = new WeakMap<object, RetryHistory>();

/** @internal Remembers the history of the error `retry()` is about to rethrow. */
export function recordHistory(error: unknown, history: RetryHistory): void {
  if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
    histories.set(error as object, history);
  }
}

/**
 * The attempt history behind an error `retry()` rethrew (the last attempt's own error, as
 * p-retry and cockatiel rethrow it): every attempt's error and why it stopped. `undefined`
 * for an error `retry()` did not throw (or a primitive thrown value). Nothing is added to
 * your error object: the history is held in a `WeakMap`, and freed with the error.
 *
 * @example
 * ```ts
 * import { retry, retryHistoryOf } from '@brace/backoff';
 *
 * try {
 *   await retry(fetchReport, { attempts: 3 });
 * } catch (error) {
 *   const history = retryHistoryOf(error);
 *   console.log(history?.attempts, history?.errors); // 3, [e1, e2, error]
 * }
 * ```
 */
export function retryHistoryOf(error: unknown): RetryHistory | undefined {
  if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
    return histories.get(error as object);
  }
  return undefined;
}
