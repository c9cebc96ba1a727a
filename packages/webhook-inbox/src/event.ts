/**
 * Where an event is in its life:
 * - `pending`: stored, waiting for a worker (first attempt or a retry after `nextAttemptAt`);
 * - `processing`: a worker holds its lease and runs the handler;
 * - `done`: the handler succeeded (or the event had no handler and `onUnhandled` is `'ignore'`);
 * - `dead`: every attempt failed; kept with its error history until replayed or discarded;
 * - `stale`: with ordering, a newer event of the same resource was already processed;
 * - `discarded`: a dead letter you chose to drop (kept, so the provider's redelivery stays a duplicate).
 *
 * @example
 * ```ts
 * import type { InboxEventStatus } from '@brace/webhook-inbox';
 *
 * const finished = (status: InboxEventStatus) => status === 'done' || status === 'discarded';
 * ```
 */
export type InboxEventStatus = 'pending' | 'processing' | 'done' | 'dead' | 'stale' | 'discarded';

/**
 * How an event reached the inbox: a verified `delivery`, or `reconcile` (listed by the provider
 * but never delivered).
 *
 * @example
 * ```ts
 * import type { InboxEventSource } from '@brace/webhook-inbox';
 *
 * const source: InboxEventSource = 'reconcile';
 * ```
 */
export type InboxEventSource = 'delivery' | 'reconcile';

/**
 * A new event, as receivers and `reconcile` hand it to the store.
 *
 * @example
 * ```ts
 * import type { NewInboxEvent } from '@brace/webhook-inbox';
 *
 * const event: NewInboxEvent = {
 *   provider: 'stripe', eventId: 'evt_1', type: 'invoice.paid', payload: '{"id":"evt_1"}',
 *   receivedAt: Date.now(), orderAt: Date.now(), source: 'delivery',
 * };
 * ```
 */
export interface NewInboxEvent {
  /** The provider name the inbox was configured with (`stripe`, `github` ...). */
  provider: string;
  /** The provider's event id: the permanent dedupe key together with `provider`. */
  eventId: string;
  /** The event type (`invoice.paid`, `issues.opened` ...); `unknown` when the provider sends none. */
  type: string;
  /** The resource the event is about (for per-resource ordering); absent when unordered. */
  resourceKey?: string;
  /** When the provider says the event happened (ms since the epoch), when it says so. */
  occurredAt?: number;
  /** The position in the provider's order: `occurredAt`, else `receivedAt`. */
  orderAt: number;
  /** When it was stored (ms since the epoch). */
  receivedAt: number;
  /** The verified raw body as text. */
  payload: string;
  /** How it arrived. */
  source: InboxEventSource;
}

/**
 * One error of one attempt, as kept in an event's history: the error's class name, its `code`
 * when it has one, and its message cut to 500 characters.
 *
 * @example
 * ```ts
 * import type { AttemptError } from '@brace/webhook-inbox';
 *
 * const entry: AttemptError = { attempt: 1, at: Date.now(), name: 'TypeError', message: 'x is undefined' };
 * ```
 */
export interface AttemptError {
  /** Which attempt failed (1-based). */
  attempt: number;
  /** When it failed (ms since the epoch). */
  at: number;
  /** The error's class name. */
  name: string;
  /** The error's `code`, when it has a string one. */
  code?: string;
  /** The error's message (at most 500 characters). */
  message: string;
}

/**
 * An event as the store keeps it.
 *
 * @example
 * ```ts
 * import type { StoredInboxEvent } from '@brace/webhook-inbox';
 *
 * const show = (event: StoredInboxEvent) => `${event.id} ${event.status} after ${event.attempts} attempts`;
 * ```
 */
export interface StoredInboxEvent extends NewInboxEvent {
  /** The inbox id: `<provider>:<eventId>`. */
  id: string;
  /** Where the event is in its life. */
  status: InboxEventStatus;
  /** How many attempts were started. */
  attempts: number;
  /** When the next attempt may start (ms since the epoch), for `pending` events. */
  nextAttemptAt: number;
  /** The errors of failed attempts, oldest first (the last {@link MAX_ERROR_HISTORY}). */
  errors: AttemptError[];
  /** When the event last changed state (ms since the epoch). */
  updatedAt: number;
}

/**
 * A claimed event: a stored event plus what the worker needs to settle it.
 *
 * @example
 * ```ts
 * import type { ClaimedInboxEvent } from '@brace/webhook-inbox';
 *
 * const isOld = (event: ClaimedInboxEvent) => event.watermark !== undefined && event.orderAt < event.watermark;
 * ```
 */
export interface ClaimedInboxEvent extends StoredInboxEvent {
  /** The lease token: only its holder can settle, extend or commit the event. */
  lease: string;
  /** With a `resourceKey`: the `orderAt` of the newest event of that resource already processed. */
  watermark?: number;
}

/** How many attempt errors an event keeps: 20. */
export const MAX_ERROR_HISTORY = 20;

/** The inbox id of an event: `<provider>:<eventId>`. */
export function inboxId(provider: string, eventId: string): string {
  return `${provider}:${eventId}`;
}

/**
 * The values of a one-row insert, in the column order both SQL engines use: id, provider,
 * event id, type, resource key, occurred at, order at, received at, payload, source.
 */
export function insertParams(event: NewInboxEvent): Array<string | number | null> {
  return [
    inboxId(event.provider, event.eventId),
    event.provider,
    event.eventId,
    event.type,
    event.resourceKey ?? null,
    event.occurredAt ?? null,
    event.orderAt,
    event.receivedAt,
    event.payload,
    event.source,
  ];
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** NUL and lone surrogates cannot be stored in PostgreSQL JSONB: they become U+FFFD. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

/** Reduces an error to what the history keeps. */
export function attemptError(error: unknown, attempt: number, at: number): AttemptError {
  const name = error instanceof Error ? error.name : typeof error;
  const raw = error instanceof Error ? error.message : 'a non-Error value was thrown';
  const entry: AttemptError = {
    attempt,
    at,
    name: storable(name),
    message: storable(raw.length > 500 ? `${raw.slice(0, 500)}…` : raw),
  };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') entry.code = storable(code);
  return entry;
}
