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
 * (`undefined` when it is not JSON) and the verifier's delivery id.
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
  /** The delivery id the verifier read (from the provider's id header), if any. */
  deliveryId?: string;
}

/**
 * Reads an {@link EventDescription} from a verified delivery. Built-in ones exist for Stripe,
 * GitHub, Shopify, Slack, Paddle, Standard Webhooks/Svix, Linear and Zoom; pass your own in the
 * provider's `describe` option for anything else.
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

const stripe: Describer = ({ payload }) => {
  const event = obj(payload);
  const object = obj(obj(event?.data)?.object);
  return {
    eventId: str(event?.id),
    type: str(event?.type),
    resourceKey: str(object?.id),
    occurredAt: seconds(event?.created),
  };
};

const github: Describer = (input) => {
  const event = header(input, 'x-github-event');
  const action = str(obj(input.payload)?.action);
  return {
    eventId: header(input, 'x-github-delivery') ?? input.deliveryId,
    type: event === undefined ? undefined : action === undefined ? event : `${event}.${action}`,
  };
};

const shopify: Describer = (input) => ({
  eventId: header(input, 'x-shopify-event-id') ?? header(input, 'x-shopify-webhook-id'),
  type: header(input, 'x-shopify-topic'),
  resourceKey: str(obj(input.payload)?.admin_graphql_api_id) ?? str(obj(input.payload)?.id),
  occurredAt: isoMs(header(input, 'x-shopify-triggered-at')),
});

const slack: Describer = ({ payload }) => {
  const envelope = obj(payload);
  return {
    eventId: str(envelope?.event_id),
    type: str(obj(envelope?.event)?.type) ?? str(envelope?.type),
    occurredAt: seconds(envelope?.event_time),
  };
};

const paddle: Describer = ({ payload }) => {
  const event = obj(payload);
  return {
    eventId: str(event?.event_id),
    type: str(event?.event_type),
    resourceKey: str(obj(event?.data)?.id),
    occurredAt: isoMs(event?.occurred_at),
  };
};

const standardWebhooks: Describer = (input) => {
  const event = obj(input.payload);
  return {
    eventId: input.deliveryId,
    type: str(event?.type) ?? str(event?.eventType),
    occurredAt: isoMs(event?.timestamp),
  };
};

const linear: Describer = (input) => {
  const event = obj(input.payload);
  const type = str(event?.type);
  const action = str(event?.action);
  return {
    eventId: header(input, 'linear-delivery') ?? str(event?.webhookId),
    type: type === undefined ? undefined : action === undefined ? type : `${type}.${action}`,
    resourceKey: str(obj(event?.data)?.id),
    occurredAt: typeof event?.webhookTimestamp === 'number' ? event.webhookTimestamp : undefined,
  };
};

const zoom: Describer = ({ payload }) => {
  const event = obj(payload);
  const ts = typeof event?.event_ts === 'number' ? event.event_ts : undefined;
  const type = str(event?.event);
  return {
    // Zoom sends no event id: the type and timestamp identify a notification.
    eventId: type !== undefined && ts !== undefined ? `${type}:${ts}` : undefined,
    type,
    occurredAt: ts,
  };
};

const generic: Describer = (input) => {
  const event = obj(input.payload);
  return { eventId: input.deliveryId ?? str(event?.id), type: str(event?.type) };
};

/** The built-in describer of a provider name, or the generic one (delivery id or `id`, and `type`). */
export function builtInDescriber(provider: string): Describer {
  switch (provider) {
    case 'stripe':
      return stripe;
    case 'github':
      return github;
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
      return generic;
  }
}
