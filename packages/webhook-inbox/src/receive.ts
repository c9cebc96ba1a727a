import type { HeadersInput } from '@brace/core';
import {
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookInput,
  WebhookPayloadError,
  WebhookVerificationError,
} from '@brace/webhook-verify';
import { type InboxAnswer, problemAnswer, storedAnswer, unavailableAnswer } from './answer.js';
import { builtInDescriber, type DescribeInput, type Describer } from './describe.js';
import { InboxStoreError } from './errors.js';
import type { NewInboxEvent } from './event.js';
import { inboxId } from './event.js';
import { emit, type InboxCallbacks } from './events.js';
import { handshake } from './handshake.js';
import type { InboxStore } from './store.js';

/**
 * One provider's settings: everything `verifyWebhook` takes (secret(s), tolerance, body limit,
 * URL) except `provider`, which defaults to the key it is configured under.
 *
 * @example
 * ```ts
 * import type { InboxProviderOptions } from '@brace/webhook-inbox';
 *
 * const stripe: InboxProviderOptions = { secret: process.env.STRIPE_WEBHOOK_SECRET! };
 * const billing: InboxProviderOptions = { scheme: 'standard-webhooks', secret: process.env.BILLING_SECRET! };
 * ```
 */
export interface InboxProviderOptions extends Omit<VerifyWebhookOptions, 'provider' | 'parse'> {
  /** The verification scheme when the key is not a built-in provider name (or to use a custom scheme). */
  scheme?: VerifyWebhookOptions['provider'];
  /** Largest body accepted, in bytes. Default: `@brace/webhook-verify`'s (5 MB). */
  maxBodyBytes?: number;
  /** Reads the event id, type, resource and time; default: the provider's built-in describer. */
  describe?: Describer;
}

/** What the receive path needs from the inbox. */
export interface ReceiveContext {
  store: InboxStore;
  providers: Readonly<Record<string, InboxProviderOptions>>;
  callbacks: InboxCallbacks;
  now: () => number;
  /** Called after an event is newly stored (wakes a local worker). */
  stored: () => void;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Describes a verified delivery as a new inbox event (`payload`: the body parsed, once, by the caller). */
export async function describeDelivery(
  context: ReceiveContext,
  provider: string,
  webhook: VerifiedWebhook,
  headers: HeadersInput,
  payload: unknown,
): Promise<NewInboxEvent> {
  const options = context.providers[provider]!;
  const describe = options.describe ?? builtInDescriber(webhook.provider);
  const input: DescribeInput = { headers, body: webhook.body, payload };
  if (webhook.id !== undefined) input.id = webhook.id;
  if (webhook.type !== undefined) input.type = webhook.type;
  if (webhook.action !== undefined) input.action = webhook.action;
  const description = describe(input);
  const receivedAt = context.now();
  const occurredAt = description.occurredAt;
  const event: NewInboxEvent = {
    provider,
    eventId: description.eventId ?? `sha256:${await sha256Hex(webhook.body)}`,
    type: description.type ?? 'unknown',
    orderAt: occurredAt ?? receivedAt,
    receivedAt,
    payload: webhook.body,
    source: 'delivery',
  };
  if (description.resourceKey !== undefined) event.resourceKey = description.resourceKey;
  if (occurredAt !== undefined) event.occurredAt = occurredAt;
  return event;
}

/** Stores an event; answers 200 once committed, 503 when the store fails. */
export async function store(context: ReceiveContext, event: NewInboxEvent): Promise<InboxAnswer> {
  let outcome: 'inserted' | 'duplicate';
  try {
    outcome = await context.store.insert(event);
  } catch (error) {
    const typed =
      error instanceof InboxStoreError
        ? error
        : new InboxStoreError('insert', 'The inbox store failed to store an event.', error);
    emit(context.callbacks.onStoreError, { operation: 'insert', error: typed });
    return unavailableAnswer();
  }
  const duplicate = outcome === 'duplicate';
  emit(context.callbacks.onReceived, {
    id: inboxId(event.provider, event.eventId),
    provider: event.provider,
    type: event.type,
    duplicate,
    source: event.source,
  });
  if (!duplicate) context.stored();
  return storedAnswer(duplicate);
}

/** Accepts a delivery verified elsewhere (the Express adapter verifies with `@brace/webhook-verify/express`). */
export async function accept(
  context: ReceiveContext,
  provider: string,
  webhook: VerifiedWebhook,
  headers: HeadersInput,
): Promise<InboxAnswer> {
  // The body is parsed once here, for the endpoint checks and the describer alike.
  const payload = parseJson(webhook.body);
  if (webhook.provider === 'slack' || webhook.provider === 'zoom') {
    const check = await handshake(webhook, payload, context.providers[provider]!);
    if (check !== undefined) return check;
  }
  return store(context, await describeDelivery(context, provider, webhook, headers, payload));
}

/** The options `verifyWebhook` gets for a configured provider (its own `now`, else the inbox clock's). */
export function verifyOptions(
  options: InboxProviderOptions,
  provider: string,
  now: () => number,
): VerifyWebhookOptions {
  const { scheme, describe: _describe, ...rest } = options;
  return { now, ...rest, provider: scheme ?? (provider as VerifyWebhookOptions['provider']) };
}

/** Verifies, describes and stores one delivery. */
export async function receive(
  context: ReceiveContext,
  provider: string,
  input: WebhookInput,
): Promise<InboxAnswer> {
  const options = context.providers[provider]!;
  const headers = input instanceof Request ? input.headers : input.headers;
  let webhook: VerifiedWebhook;
  try {
    webhook = await verifyWebhook(input, verifyOptions(options, provider, context.now));
  } catch (error) {
    if (error instanceof WebhookVerificationError || error instanceof WebhookPayloadError) {
      emit(context.callbacks.onRejected, { provider, code: error.code, status: error.status });
      return problemAnswer(error.status, error.code, error.message);
    }
    throw error;
  }
  return accept(context, provider, webhook, headers);
}
