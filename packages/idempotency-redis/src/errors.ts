import { BraceError } from '@brace/core';

/**
 * Thrown (as a rejection) when Redis fails during `begin`, `complete` or `release`: a
 * dropped connection, a timeout, a server error, or a reply the store does not recognise.
 * `cause` is the client's error. The message never contains the key, the token or the body.
 *
 * @example
 * ```ts
 * import { IdempotencyStoreError } from '@brace/idempotency-redis';
 *
 * try {
 *   await store.begin({ scope: 'POST /orders', key }, fingerprint, { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * } catch (error) {
 *   if (error instanceof IdempotencyStoreError) console.error(error.code, error.operation, error.cause);
 * }
 * ```
 */
export class IdempotencyStoreError extends BraceError {
  /** The store operation that failed: `begin`, `complete` or `release`. */
  readonly operation: string;

  /**
   * @param operation - the store operation that failed
   * @param cause - the client's error
   * @param detail - what to do about it, appended to the message
   */
  constructor(operation: string, cause: unknown, detail = 'see `cause` for the Redis error') {
    super(
      'IDEMPOTENCY_STORE_ERROR',
      `The Redis idempotency store failed during ${operation}; ${detail}.`,
      { cause },
    );
    this.operation = operation;
  }
}
