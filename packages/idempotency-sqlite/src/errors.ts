import { BraceError } from '@brace/core';

/**
 * Thrown (as a rejection) when the SQLite database fails during `begin`, `complete`,
 * `release`, `sweep` or `migrate`: a locked or read-only database, a missing table (run
 * `migrate()`), a closed handle. `cause` is the driver's error. The message never contains
 * the key, the token or the body.
 *
 * @example
 * ```ts
 * import { IdempotencyStoreError } from '@brace/idempotency-sqlite';
 *
 * try {
 *   await store.begin({ scope: 'POST /orders', key }, fingerprint, { lockTtlMs: 30_000, ttlMs: 86_400_000 });
 * } catch (error) {
 *   if (error instanceof IdempotencyStoreError) console.error(error.code, error.operation, error.cause);
 * }
 * ```
 */
export class IdempotencyStoreError extends BraceError {
  /** The store operation that failed: `begin`, `complete`, `release`, `sweep` or `migrate`. */
  readonly operation: string;

  /**
   * @param operation - the store operation that failed
   * @param cause - the driver's error
   * @param detail - what to do about it, appended to the message
   */
  constructor(operation: string, cause: unknown, detail = 'see `cause` for the driver error') {
    super(
      'IDEMPOTENCY_STORE_ERROR',
      `The SQLite idempotency store failed during ${operation}; ${detail}.`,
      { cause },
    );
    this.operation = operation;
  }
}
