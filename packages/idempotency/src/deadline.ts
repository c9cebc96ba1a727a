import { IdempotencyStoreError } from './errors.js';

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

/**
 * How {@link storeOperation} runs one store operation.
 *
 * @example
 * ```ts
 * import type { StoreOperation } from '@brace/idempotency';
 *
 * const op: StoreOperation<number> = { store: 'Redis', operation: 'release', timeoutMs: 2_000, redact: [key, token] };
 * ```
 */
export interface StoreOperation<T> {
  /** The store, as messages name it: `Redis`, `PostgreSQL`. */
  store: string;
  /** The operation: `begin`, `complete`, `release`, `extend`, `sweep`. */
  operation: string;
  /** How long to wait for the store, in ms. */
  timeoutMs: number;
  /** The values sent (key, scope, fingerprint, token, body): kept out of the error's cause. */
  redact?: readonly string[];
  /** Receives an answer that came after the deadline (see {@link withDeadline}). */
  onLate?: (value: T) => void;
}

/**
 * Runs one store operation for a store adapter: `work`'s value; or, when the store does not
 * answer within `timeoutMs`, an {@link IdempotencyStoreError} saying so (the middleware then
 * answers 503 + `Retry-After`); or, when the driver fails, an `IdempotencyStoreError` whose
 * cause keeps the driver's code, name and message with the `redact` values removed, and
 * none of its arguments. An `IdempotencyStoreError` from `work` passes through unchanged.
 *
 * @param work - the driver call in flight
 * @param how - the store, the operation, the deadline and the values to redact
 * @returns `work`'s value
 * @throws {@link IdempotencyStoreError} on a timeout or a driver error
 *
 * @example
 * ```ts
 * import { storeOperation } from '@brace/idempotency';
 *
 * const reply = await storeOperation(redis.evalsha(sha, 1, key, token), {
 *   store: 'Redis',
 *   operation: 'release',
 *   timeoutMs: 2_000,
 *   redact: [key, token],
 * });
 * ```
 */
export async function storeOperation<T>(work: Promise<T>, how: StoreOperation<T>): Promise<T> {
  const { store, operation, timeoutMs } = how;
  try {
    return await withDeadline(
      work,
      timeoutMs,
      () =>
        new IdempotencyStoreError(
          store,
          operation,
          new Error(`${store} did not answer within ${timeoutMs} ms.`),
          `${store} did not answer within ${timeoutMs} ms (timeoutMs); it may be down or unreachable`,
        ),
      how.onLate,
    );
  } catch (error) {
    if (error instanceof IdempotencyStoreError) throw error;
    throw new IdempotencyStoreError(store, operation, error, undefined, how.redact);
  }
}
