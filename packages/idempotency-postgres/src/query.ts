// Every statement of the store runs here: under the `timeoutMs` deadline, with driver errors
// turned into `IdempotencyStoreError`s that carry none of the values sent.
import { storeOperation } from '@brace/idempotency';
import type { Statement, StatementRunner } from './client.js';

/** Runs a statement: its rows, or an `IdempotencyStoreError`. */
export type Query = (
  operation: string,
  statement: Statement,
  params: unknown[],
  onLate?: (rows: unknown[]) => void,
) => Promise<unknown[]>;

/**
 * A {@link Query} on `run` that gives up after `timeoutMs` (a late answer goes to `onLate`)
 * and redacts the string parameters (scope, key, fingerprint, token) from a driver's error.
 */
export function deadlineQuery(run: StatementRunner, timeoutMs: number): Query {
  return async (operation, s, params, onLate) =>
    (
      await storeOperation(run(s, params), {
        store: 'PostgreSQL',
        operation,
        timeoutMs,
        // The parameters hold the scope, the key, the fingerprint and the token.
        redact: params.filter((p): p is string => typeof p === 'string'),
        onLate: onLate && ((result) => onLate(result.rows)),
      })
    ).rows;
}
