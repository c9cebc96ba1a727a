import { type ManualClock, manualClock } from '@brace/core';
import { signWebhook } from '@brace/webhook-verify';
import { expect } from 'vitest';
import type { NewInboxEvent } from '../event.js';
import type { InboxStore } from '../store.js';

export const T0 = 1_800_000_000_000;
export const STRIPE_SECRET = 'whsec_inbox_test_secret_value';
export const GITHUB_SECRET = 'github-inbox-secret-value';

export function clockAt(now = T0): ManualClock {
  return manualClock({ now });
}

/** A Stripe event body. */
export function stripeEvent(
  id: string,
  type = 'invoice.paid',
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    id,
    type,
    created: T0 / 1000,
    data: { object: { id: `in_${id}` } },
    ...extra,
  });
}

/** A signed Stripe delivery as a Request. */
export async function stripeRequest(
  body: string,
  secret = STRIPE_SECRET,
  timestamp = T0 / 1000,
): Promise<Request> {
  const signed = await signWebhook({ provider: 'stripe', secret, body, timestamp });
  return new Request('https://example.com/webhooks/stripe', {
    method: 'POST',
    headers: signed.headers,
    body,
  });
}

/** A signed GitHub delivery as a Request. */
export async function githubRequest(
  delivery: string,
  event: string,
  payload: unknown,
): Promise<Request> {
  const body = JSON.stringify(payload);
  const signed = await signWebhook({
    provider: 'github',
    secret: GITHUB_SECRET,
    body,
    id: delivery,
  });
  return new Request('https://example.com/webhooks/github', {
    method: 'POST',
    headers: { ...signed.headers, 'x-github-event': event, 'x-github-delivery': delivery },
    body,
  });
}

/** A store whose chosen operations fail (with a driver-like error carrying a secret). */
export function failing(
  store: InboxStore,
  operations: ReadonlySet<keyof InboxStore>,
  secret = 'planted-secret',
): InboxStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!operations.has(property as keyof InboxStore)) return value.bind(target);
      return async () => {
        const error = new Error(`connection refused\nquery args: ${secret}`);
        Object.assign(error, { code: 'ECONNREFUSED', args: [secret] });
        throw error;
      };
    },
  });
}

/** A promise with its resolver (Promise.withResolvers is ES2024; the repository targets ES2023). */
export function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A Stripe delivery as the receive path hands it to a store. */
export const newEvent = (eventId: string, payload = '{}'): NewInboxEvent => ({
  provider: 'stripe',
  eventId,
  type: 'invoice.paid',
  payload,
  receivedAt: T0,
  orderAt: T0,
  source: 'delivery',
});

/** Each insert's outcome, or its error's code. */
export const outcomes = (results: PromiseSettledResult<string>[]) =>
  results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as { code: string }).code));

/** Stores 'old', then a batch with a repeat inside it and a repeat of 'old': each outcome checked. */
export async function expectBatchDedupe(store: InboxStore): Promise<void> {
  await store.insert(newEvent('old'));
  const results = await Promise.allSettled(
    ['a', 'b', 'a', 'old', 'c'].map((id) => store.insert(newEvent(id))),
  );
  expect(outcomes(results)).toEqual(['inserted', 'inserted', 'duplicate', 'duplicate', 'inserted']);
}
