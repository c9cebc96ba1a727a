import type { InboxEventSource } from './event.js';
import type { InboxTransaction } from './store.js';

/**
 * The payload types of the events you handle, by provider then event type: the type
 * parameter of `createInbox`, so handlers get typed payloads.
 *
 * @example
 * ```ts
 * import type { InboxEventMap } from '@brace/webhook-inbox';
 *
 * interface Events extends InboxEventMap {
 *   stripe: { 'invoice.paid': { id: string; data: { object: { id: string; amount_paid: number } } } };
 *   github: { 'issues.opened': { issue: { number: number } } };
 * }
 * ```
 */
export type InboxEventMap = Record<string, Record<string, unknown>>;

/**
 * The event a handler runs for.
 *
 * @example
 * ```ts
 * import type { InboxHandlerEvent } from '@brace/webhook-inbox';
 *
 * const log = (event: InboxHandlerEvent<unknown>) => `${event.provider} ${event.type} attempt ${event.attempt}`;
 * ```
 */
export interface InboxHandlerEvent<T> {
  /** The inbox id: `<provider>:<eventId>`. */
  id: string;
  /** The provider name. */
  provider: string;
  /** The provider's event id. */
  eventId: string;
  /** The event type. */
  type: string;
  /** The body parsed as JSON (`undefined` if it is not JSON). */
  payload: T;
  /** The verified raw body. */
  raw: string;
  /** This attempt's number (1-based). */
  attempt: number;
  /** When it was stored (ms since the epoch). */
  receivedAt: number;
  /** When the provider says it happened, when it says so. */
  occurredAt?: number;
  /** The resource it is about, when described. */
  resourceKey?: string;
  /** How it arrived. */
  source: InboxEventSource;
}

/**
 * What a handler gets besides the event.
 *
 * @example
 * ```ts
 * import type { InboxHandlerContext } from '@brace/webhook-inbox';
 *
 * async function handle(context: InboxHandlerContext) {
 *   await fetch('https://example.com', { signal: context.signal });
 * }
 * ```
 */
export interface InboxHandlerContext {
  /** Aborts when the worker stops past its drain deadline or loses the lease. */
  signal: AbortSignal;
  /**
   * With a store that supports it (PostgreSQL): runs `work` in one transaction that also marks
   * the event done, so the business write happens exactly once. Absent with other stores.
   */
  transaction?: <R>(work: (tx: InboxTransaction) => Promise<R>) => Promise<R>;
}

/**
 * A handler: resolve to mark the event done, throw to retry it (and dead-letter it after the
 * last attempt).
 *
 * @example
 * ```ts
 * import type { InboxHandler } from '@brace/webhook-inbox';
 *
 * const onPaid: InboxHandler<{ data: { object: { id: string } } }> = async (event) => {
 *   await markPaid(event.payload.data.object.id);
 * };
 * ```
 */
export type InboxHandler<T> = (
  event: InboxHandlerEvent<T>,
  context: InboxHandlerContext,
) => void | Promise<void>;

/**
 * The handlers, by provider then event type; `'*'` catches a provider's other types.
 *
 * @example
 * ```ts
 * import type { InboxHandlers } from '@brace/webhook-inbox';
 *
 * const handlers: InboxHandlers<{ github: { push: { ref: string } } }> = {
 *   github: { push: async (event) => void event.payload.ref },
 * };
 * ```
 */
export type InboxHandlers<M extends object> = {
  [P in keyof M]?: { [T in keyof M[P]]?: InboxHandler<M[P][T]> } & {
    /** Every other type of this provider. */
    '*'?: InboxHandler<unknown>;
  };
};

/** The handler for `provider`/`type`, or `undefined`. */
export function handlerFor(
  handlers: InboxHandlers<InboxEventMap>,
  provider: string,
  type: string,
): InboxHandler<unknown> | undefined {
  const table = handlers[provider] as Record<string, InboxHandler<unknown> | undefined> | undefined;
  if (table === undefined) return undefined;
  return Object.hasOwn(table, type) ? table[type] : table['*'];
}
