import { getHeader, type HeadersInput } from '@brace/core';

/**
 * What the inbox needs to know of a verified delivery: the provider's event id (the permanent
 * dedupe key), its type (which handler runs), and for per-resource ordering the resource and
 * when the provider says it happened.
 *
 * @example
 * ```ts
 * import type { EventDescription } from '@brace/webhook-inbox';
 *
 * const description: EventDescription = { eventId: 'evt_1', type: 'invoice.paid', resourceKey: 'in_1', occurredAt: 1_700_000_000_000 };
 * ```
 */
export interface EventDescription {
  /** The provider's event id; absent → a SHA-256 of the body is used (identical bodies dedupe). */
  eventId?: string;
  /** The event type; absent → `unknown`. */
  type?: string;
  /** The resource the event is about, for ordering. */
  resourceKey?: string;
  /** When it happened, ms since the epoch. */
  occurredAt?: number;
}

/**
 * What a describer sees: the verified delivery's headers, its raw body, the body parsed as JSON
 * (`undefined` when it is not JSON), and the event id, type and action `@brace/webhook-verify`
 * read from it.
 *
 * @example
 * ```ts
 * import type { DescribeInput } from '@brace/webhook-inbox';
 *
 * const typeOf = (input: DescribeInput) => (input.payload as { kind?: string } | undefined)?.kind;
 * ```
 */
export interface DescribeInput {
  /** The request headers. */
  headers: HeadersInput;
  /** The verified raw body. */
  body: string;
  /** The body parsed as JSON, or `undefined`. */
  payload: unknown;
  /** The event (or delivery) id the verifier read, if the provider sends one. */
  id?: string;
  /** The event type the verifier read, if the provider sends one. */
  type?: string;
  /** The action within the type (GitHub, Linear), if any. */
  action?: string;
}

/**
 * Reads an {@link EventDescription} from a verified delivery. By default the event id and type
 * are the ones `@brace/webhook-verify` reads (GitHub's type is `event.action`, e.g.
 * `issues.opened`); built-in describers add the resource and time for Stripe, Shopify, Slack,
 * Paddle, Standard Webhooks/Svix, Linear and Zoom. Pass your own in the provider's `describe`
 * option for anything else.
 *
 * @example
 * ```ts
 * import type { Describer } from '@brace/webhook-inbox';
 *
 * const describe: Describer = ({ payload }) => {
 *   const event = payload as { uuid: string; kind: string };
 *   return { eventId: event.uuid, type: event.kind };
 * };
 * ```
 */
export type Describer = (input: DescribeInput) => EventDescription;

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;
}
function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
}
function isoMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
function header(input: DescribeInput, name: string): string | undefined {
  return str(getHeader(input.headers, name));
}

/** The verifier's id and type (`type.action` when there is an action). */
function verified(input: DescribeInput): EventDescription {
  const { id, type, action } = input;
  return {
    eventId: id,
    type: type !== undefined && action !== undefined ? `${type}.${action}` : type,
  };
}

const stripe: Describer = (input) => {
  const event = obj(input.payload);
  return {
    ...verified(input),
    resourceKey: str(obj(obj(event?.data)?.object)?.id),
    occurredAt: seconds(event?.created),
  };
};

const shopify: Describer = (input) => ({
  ...verified(input),
  // X-Shopify-Event-Id names the event across its deliveries (newer API versions).
  eventId: header(input, 'x-shopify-event-id') ?? input.id,
  resourceKey: str(obj(input.payload)?.admin_graphql_api_id) ?? str(obj(input.payload)?.id),
  occurredAt: isoMs(header(input, 'x-shopify-triggered-at')),
});

const slack: Describer = (input) => ({
  ...verified(input),
  occurredAt: seconds(obj(input.payload)?.event_time),
});

const paddle: Describer = (input) => {
  const event = obj(input.payload);
  return {
    ...verified(input),
    resourceKey: str(obj(event?.data)?.id),
    occurredAt: isoMs(event?.occurred_at),
  };
};

const standardWebhooks: Describer = (input) => ({
  ...verified(input),
  occurredAt: isoMs(obj(input.payload)?.timestamp),
});

const linear: Describer = (input) => {
  const event = obj(input.payload);
  return {
    ...verified(input),
    resourceKey: str(obj(event?.data)?.id),
    occurredAt: typeof event?.webhookTimestamp === 'number' ? event.webhookTimestamp : undefined,
  };
};

const zoom: Describer = (input) => {
  const ts = obj(input.payload)?.event_ts;
  const at = typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined;
  // Zoom sends no event id. Type and timestamp do not identify an event (two participants can
  // join in the same millisecond), so the id is left out and the body's SHA-256 dedupes.
  return { ...verified(input), occurredAt: at };
};

/** The built-in describer of a provider name, or the verifier's id and type alone. */
export function builtInDescriber(provider: string): Describer {
  switch (provider) {
    case 'stripe':
      return stripe;
    case 'shopify':
      return shopify;
    case 'slack':
      return slack;
    case 'paddle':
      return paddle;
    case 'standard-webhooks':
    case 'svix':
      return standardWebhooks;
    case 'linear':
      return linear;
    case 'zoom':
      return zoom;
    default:
      return verified;
  }
}
