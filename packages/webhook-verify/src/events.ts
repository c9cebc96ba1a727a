// The provider's event id, type and action, read after verification (from headers or the
// verified JSON body). Every value is a bounded string; anything else is left out.
import type { WebhookRequestView } from './scheme.js';

/** Longest event id, type or action kept; longer values are left out. */
export const MAX_EVENT_FIELD_LENGTH = 512;

/**
 * What a provider says about a verified event: its id (the dedupe key), its type and, for
 * providers that split the two, its action.
 *
 * | provider | `id` | `type` | `action` |
 * |---|---|---|---|
 * | stripe | body `id` (`evt_…`) | body `type` (`invoice.paid`) | |
 * | github | `X-GitHub-Delivery` | `X-GitHub-Event` (`issues`) | body `action` (`opened`) |
 * | shopify | `X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id` | `X-Shopify-Topic` (`orders/create`) | |
 * | standard-webhooks, svix | `webhook-id` / `svix-id` | body `type` | |
 * | slack | body `event_id` | body `event.type`, else `type` (`url_verification`) | |
 * | paddle | body `event_id` | body `event_type` (`transaction.completed`) | |
 * | linear | `Linear-Delivery` | `Linear-Event`, else body `type` (`Issue`) | body `action` (`create`) |
 * | square | body `event_id` | body `type` (`payment.created`) | |
 * | zoom | | body `event` (`meeting.started`) | |
 * | discord | body `id` | body `event.type` (webhook events), else body `type` as text (`1` = PING) | |
 * | twilio | `I-Twilio-Idempotency-Token` | | |
 *
 * @example
 * ```ts
 * import type { WebhookEventInfo } from '@brace/webhook-verify';
 *
 * const info: WebhookEventInfo = { id: 'evt_1', type: 'invoice.paid' };
 * ```
 */
export interface WebhookEventInfo {
  /** The provider's event (or delivery) id: dedupe on it. */
  id?: string;
  /** The provider's event type (`invoice.paid`, `issues`, `orders/create`). */
  type?: string;
  /** The action within the type, for providers that send one apart (GitHub, Linear). */
  action?: string;
}

/**
 * What {@link WebhookScheme.event} receives: the verified request, and its body parsed as
 * JSON (once, lazily; `undefined` when the body is not JSON).
 *
 * @example
 * ```ts
 * import { defineScheme, hmacScheme, type EventContext } from '@brace/webhook-verify';
 *
 * const base = hmacScheme({ name: 'acme', header: 'x-acme-signature', algorithm: 'sha256', encoding: 'hex' });
 * const acme = defineScheme({
 *   ...base,
 *   event: ({ request, json }: EventContext) => ({
 *     id: request.header('x-acme-delivery'),
 *     type: (json() as { kind?: string } | undefined)?.kind,
 *   }),
 * });
 * ```
 */
export interface EventContext {
  /** The verified request. */
  request: WebhookRequestView;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json(): unknown;
}

// Built-in event readers whose header-derived fields are final: a field they return without
// the body is the field's value, so it need not wait for the body to be parsed.
const headerFirst = new WeakSet<object>();

/** Marks `reader` as header-first (see above) and returns it. */
function markHeaderFirst<F extends (context: EventContext) => WebhookEventInfo>(reader: F): F {
  headerFirst.add(reader);
  return reader;
}

/** Whether `reader` is a built-in whose header-derived fields do not depend on the body. */
export function isHeaderFirst(reader: object): boolean {
  return headerFirst.has(reader);
}

/** A bounded, non-empty string, else undefined. */
export function eventString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_EVENT_FIELD_LENGTH
    ? value
    : undefined;
}

/** `object[key]` when `object` is a plain JSON object (own property only). */
export function field(object: unknown, key: string): unknown {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** Keeps only the fields that are set. */
export function eventInfo(
  id: string | undefined,
  type: string | undefined,
  action?: string,
): WebhookEventInfo {
  const info: WebhookEventInfo = {};
  if (id !== undefined) info.id = id;
  if (type !== undefined) info.type = type;
  if (action !== undefined) info.action = action;
  return info;
}

/** `{ id, type }` from two top-level body fields (Stripe, Paddle, Square). */
export function bodyEvent(idKey: string, typeKey: string) {
  return ({ json }: EventContext): WebhookEventInfo => {
    const body = json();
    return eventInfo(eventString(field(body, idKey)), eventString(field(body, typeKey)));
  };
}

/** Slack: `event_id`, and `event.type` inside an `event_callback` (else the top-level `type`). */
export function slackEvent({ json }: EventContext): WebhookEventInfo {
  const body = json();
  const type = eventString(field(field(body, 'event'), 'type')) ?? eventString(field(body, 'type'));
  return eventInfo(eventString(field(body, 'event_id')), type);
}

/** Discord: interaction `id`; the event type of webhook events, else the interaction type. */
export function discordEvent({ json }: EventContext): WebhookEventInfo {
  const body = json();
  const raw = field(body, 'type');
  const type =
    eventString(field(field(body, 'event'), 'type')) ??
    (typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : undefined);
  return eventInfo(eventString(field(body, 'id')), type);
}

/** Zoom: `event` (`meeting.started`); Zoom sends no event id. */
export function zoomEvent({ json }: EventContext): WebhookEventInfo {
  return eventInfo(undefined, eventString(field(json(), 'event')));
}

/** Linear: `Linear-Event` (or the body's `type`) and the body's `action`. */
export const linearEvent = markHeaderFirst(function linearEvent({
  request,
  json,
}: EventContext): WebhookEventInfo {
  const body = json();
  return eventInfo(
    eventString(request.header('linear-delivery')),
    eventString(request.header('linear-event')) ?? eventString(field(body, 'type')),
    eventString(field(body, 'action')),
  );
});

/** GitHub: `X-GitHub-Delivery`, `X-GitHub-Event` and the body's `action`. */
export const githubEvent = markHeaderFirst(function githubEvent({
  request,
  json,
}: EventContext): WebhookEventInfo {
  return eventInfo(
    eventString(request.header('x-github-delivery')),
    eventString(request.header('x-github-event')),
    eventString(field(json(), 'action')),
  );
});

/** Id and type from headers, the first present of each list (Shopify: `X-Shopify-Event-Id`, `X-Shopify-Topic`). */
export function headerEvent(idHeaders: readonly string[], typeHeaders: readonly string[]) {
  return ({ request }: EventContext): WebhookEventInfo =>
    eventInfo(firstHeader(request, idHeaders), firstHeader(request, typeHeaders));
}

// Module-level rather than a closure per call: the first call of every new closure goes
// through V8's lazy-compile stub, ~0.2 µs each.
function firstHeader(request: WebhookRequestView, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = eventString(request.header(name));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Standard Webhooks / Svix: the id header and the body's `type`. */
export function standardEvent(idHeaders: readonly string[]) {
  return markHeaderFirst(({ request, json }: EventContext): WebhookEventInfo => {
    let id: string | undefined;
    for (const name of idHeaders) id ??= eventString(request.header(name));
    return eventInfo(id, eventString(field(json(), 'type')));
  });
}
