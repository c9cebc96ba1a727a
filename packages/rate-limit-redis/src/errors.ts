import { BraceError, safeCause } from '@brace/core';

/**
 * Redis could not be reached (or answered with an error, or too slowly) while the store is
 * `fail-closed`: the task is rejected rather than risk exceeding the shared limit. The
 * original error is in `cause`, reduced to a `SafeCause` (from `@brace/core`): its name, code
 * and scrubbed message, never the command's arguments (keys, tokens).
 *
 * @example
 * ```ts
 * import { RateLimitStoreError } from '@brace/rate-limit-redis';
 *
 * await limiter.schedule(task).catch((error: unknown) => {
 *   if (error instanceof RateLimitStoreError) return retryLater();
 *   throw error;
 * });
 * ```
 */
export class RateLimitStoreError extends BraceError {
  /** What the store was doing: `acquire` or `pause`. */
  readonly operation: 'acquire' | 'pause' | 'settle';

  /**
   * @param operation - the failing store operation
   * @param cause - the client's error (kept as a `SafeCause`)
   */
  constructor(operation: 'acquire' | 'pause' | 'settle', cause: unknown) {
    super(
      'RATE_LIMIT_STORE_UNAVAILABLE',
      `The Redis rate-limit store failed during ${operation}; the request was not allowed (fail-closed). ` +
        "Check the Redis connection, or choose onStoreError: 'fail-open' to fall back to a local limiter.",
      { cause: safeCause(cause) },
    );
    this.operation = operation;
  }
}
