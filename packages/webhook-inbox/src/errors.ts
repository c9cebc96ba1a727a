import { BraceError } from '@brace/core';

/**
 * Bad options given to {@link createInbox} or a store: `code` is `INBOX_INVALID_OPTIONS` and the
 * message names the option and what it accepts (never its value).
 *
 * @example
 * ```ts
 * import { createInbox, InboxOptionsError } from '@brace/webhook-inbox';
 * import { memoryInboxStore } from '@brace/webhook-inbox';
 *
 * try {
 *   createInbox({ store: memoryInboxStore(), providers: {}, handlers: {}, concurrency: 0 });
 * } catch (error) {
 *   if (error instanceof InboxOptionsError) console.error(error.message);
 * }
 * ```
 */
export class InboxOptionsError extends BraceError {
  /**
   * @param message - which option is wrong and what it accepts
   */
  constructor(message: string) {
    super('INBOX_INVALID_OPTIONS', message);
  }
}

/**
 * The inbox store failed (the database is down, a statement failed, the memory store is full).
 * Receivers answer 503 with `Retry-After` so the provider delivers again; workers retry the
 * claim on their next poll. `cause` carries the driver's code, name and message only: never
 * statement arguments, payloads or event ids.
 *
 * @example
 * ```ts
 * import { InboxStoreError } from '@brace/webhook-inbox';
 *
 * function isOutage(error: unknown) {
 *   return error instanceof InboxStoreError && error.code === 'INBOX_STORE_FAILED';
 * }
 * ```
 */
export class InboxStoreError extends BraceError {
  /** Which store operation failed (`insert`, `claim`, `settle` ...). */
  readonly operation: string;

  /**
   * @param operation - the store operation that failed
   * @param message - what happened and what to do
   * @param cause - the driver's error (reduced to its code, name and message)
   * @param code - `INBOX_STORE_FAILED` (default) or `INBOX_STORE_FULL`
   */
  constructor(
    operation: string,
    message: string,
    cause?: unknown,
    code: 'INBOX_STORE_FAILED' | 'INBOX_STORE_FULL' = 'INBOX_STORE_FAILED',
  ) {
    super(code, message, cause === undefined ? undefined : { cause: safeCause(cause) });
    this.operation = operation;
  }
}

/**
 * A handler's transaction found that this worker no longer holds the event's lease (it expired
 * and another worker claimed the event): nothing was committed, and the other worker's attempt
 * is the one that counts.
 *
 * @example
 * ```ts
 * import { InboxLeaseLostError } from '@brace/webhook-inbox';
 *
 * const lost = (error: unknown) => error instanceof InboxLeaseLostError;
 * ```
 */
export class InboxLeaseLostError extends BraceError {
  /**
   * @param id - the inbox id of the event
   */
  constructor(id: string) {
    super(
      'INBOX_LEASE_LOST',
      `The lease on inbox event ${JSON.stringify(id)} expired and another worker claimed it; nothing was committed. Raise leaseMs if handlers run longer than it.`,
    );
  }
}

/**
 * A handler ran longer than `handlerTimeoutMs`: its `signal` aborted with this error, the
 * attempt counts as failed (retried with backoff, dead-lettered after the last attempt), and the
 * event's error history records it with `code` `INBOX_HANDLER_TIMEOUT`.
 *
 * @example
 * ```ts
 * import { InboxHandlerTimeoutError } from '@brace/webhook-inbox';
 *
 * const timedOut = (error: unknown) => error instanceof InboxHandlerTimeoutError;
 * ```
 */
export class InboxHandlerTimeoutError extends BraceError {
  /** The limit that was exceeded, in ms. */
  readonly timeoutMs: number;

  /**
   * @param timeoutMs - the inbox's `handlerTimeoutMs`
   */
  constructor(timeoutMs: number) {
    super(
      'INBOX_HANDLER_TIMEOUT',
      `The handler did not settle within handlerTimeoutMs (${timeoutMs} ms); the attempt counts as failed.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * What is kept of a driver error: its name, code and message, never its arguments or query.
 * Messages of database drivers can quote values, so they are cut to their first line and
 * at most 200 characters.
 */
export function safeCause(error: unknown): Error {
  if (!(error instanceof Error))
    return new Error(typeof error === 'string' ? 'non-Error thrown' : String(typeof error));
  const reduced = new Error(firstLine(error.message));
  reduced.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    (reduced as Error & { code?: string | number }).code = code;
  }
  reduced.stack = `${reduced.name}: ${reduced.message}`;
  return reduced;
}

function firstLine(message: string): string {
  const [line = ''] = message.split('\n', 1);
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
