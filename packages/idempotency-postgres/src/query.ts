// Every statement of the store runs here: under the `timeoutMs` deadline, with driver errors
// turned into `IdempotencyStoreError`s that carry none of the values sent.
import { IdempotencyStoreError, withDeadline } from '@brace/idempotency';
import type { Statement, StatementRunner } from './client.js';
import { storeError } from './errors.js';

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
  return async (operation, s, params, onLate) => {
    try {
      return (
        await withDeadline(
          run(s, params),
          timeoutMs,
          () =>
            storeError(
              operation,
              new Error(`PostgreSQL did not answer within ${timeoutMs} ms.`),
              `PostgreSQL did not answer within ${timeoutMs} ms (timeoutMs); it may be down or unreachable`,
            ),
          onLate && ((result) => onLate(result.rows)),
        )
      ).rows;
    } catch (error) {
      if (error instanceof IdempotencyStoreError) throw error;
      const sent = params.filter((p): p is string => typeof p === 'string');
      throw storeError(operation, error, undefined, sent);
    }
  };
}
