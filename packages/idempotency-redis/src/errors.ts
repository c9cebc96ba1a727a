import { IdempotencyStoreError } from '@brace/idempotency';

/** @internal An {@link IdempotencyStoreError} of this store. */
export function storeError(
  operation: string,
  cause: unknown,
  detail?: string,
): IdempotencyStoreError {
  return new IdempotencyStoreError('Redis', operation, cause, detail);
}
