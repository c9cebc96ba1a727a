/**
 * Settles with `work`, or rejects with `onTimeout()` when `work` has not settled after
 * `timeoutMs`: the operation timeout of a store adapter, so that a store outage answers
 * 503 in seconds instead of holding requests for as long as the driver retries. The timer
 * is unref'd (it never holds the process open) and cleared as soon as `work` settles.
 * `work` itself is not cancelled: a late answer goes to `onLate` (to undo what it did,
 * e.g. release a claim nobody will use), else it is dropped.
 *
 * @param work - the store operation in flight
 * @param timeoutMs - how long to wait for it
 * @param onTimeout - builds the error to reject with when time runs out
 * @param onLate - receives a value that arrived after the deadline
 * @returns `work`'s outcome, or a rejection with `onTimeout()`'s error
 *
 * @example
 * ```ts
 * import { IdempotencyStoreError, withDeadline } from '@brace/idempotency';
 *
 * const row = await withDeadline(
 *   db.query(claimSql, params),
 *   2_000,
 *   () => new IdempotencyStoreError('MyDB', 'begin', new Error('timeout'), 'it did not answer within 2000 ms'),
 *   (late) => void releaseIfClaimed(late),
 * );
 * ```
 */
export function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(onTimeout());
    }, timeoutMs) as { unref?: () => void };
    timer.unref?.();
    work.then(
      (value) => {
        clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
        if (late) onLate?.(value);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
        reject(error);
      },
    );
  });
}
