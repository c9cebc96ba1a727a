import { IdempotencyStoreError } from '@brace/idempotency';

/** @internal An {@link IdempotencyStoreError} of this store; `redact`: the values sent. */
export function storeError(
  operation: string,
  cause: unknown,
  detail?: string,
  redact: readonly string[] = [],
): IdempotencyStoreError {
  return new IdempotencyStoreError('Redis', operation, cause, detail, redact);
}
