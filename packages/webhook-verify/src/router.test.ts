import type { StandardSchemaV1 } from '@brace/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  createWebhookRouter,
  signWebhook,
  type VerifiedWebhook,
  verifyWebhook,
  WebhookOptionsError,
  WebhookPayloadError,
  WebhookSchemaError,
} from './index.js';

const SECRET = 'whsec_test';
const NOW = 1_700_000_000;

/** A tiny hand-written Standard Schema: `{ id: string }` → the id upper-cased. */
const invoiceSchema: StandardSchemaV1<unknown, { id: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      const id = (value as { data?: { object?: { id?: unknown } } })?.data?.object?.id;
      return typeof id === 'string'
        ? { value: { id: id.toUpperCase() } }
        : { issues: [{ message: 'bad', path: ['data', { key: 'object' }, 'id'] }] };
    },
  },
};
const asyncSchema: StandardSchemaV1<unknown, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) =>
      typeof value === 'object' && value !== null ? { value: 1 } : { issues: [{ message: 'x' }] },
  },
};

async function stripeEvent(body: unknown, parse = false): Promise<VerifiedWebhook> {
  const text = JSON.stringify(body);
  const signed = await signWebhook({
    provider: 'stripe',
    secret: SECRET,
    body: text,
    timestamp: NOW,
  });
  return verifyWebhook(
    { body: text, headers: signed.headers },
    { provider: 'stripe', secret: SECRET, now: NOW * 1000, parse },
  );
}

const webhook = (fields: Partial<VerifiedWebhook>): VerifiedWebhook => ({
  provider: 'github',
  body: '{"action":"opened"}',
  ...fields,
});

describe('createWebhookRouter', () => {
  it('routes a verified Stripe event by type, with the payload typed by the event map', async () => {
    type Events = { 'invoice.paid': { id: string; data: { object: { amount_paid: number } } } };
    const seen: number[] = [];
    const router = createWebhookRouter<Events>().on('invoice.paid', (event, verified) => {
      seen.push(event.data.object.amount_paid);
      expect(verified.id).toBe('evt_1');
      return 'done';
    });
    const event = await stripeEvent({
      id: 'evt_1',
      type: 'invoice.paid',
      data: { object: { amount_paid: 42 } },
    });
    await expect(router.dispatch(event)).resolves.toBe('done');
    expect(seen).toEqual([42]);
    expect(router.has('invoice.paid')).toBe(true);
    expect(router.has('invoice.created')).toBe(false);
  });

  it('uses the parsed payload of parse: true without parsing again', async () => {
    const handler = vi.fn();
    const router = createWebhookRouter().on('a.b', handler);
    const event = await stripeEvent({ id: 'evt_2', type: 'a.b', n: 1 }, true);
    await router.dispatch(event);
    expect(handler).toHaveBeenCalledWith({ id: 'evt_2', type: 'a.b', n: 1 }, event);
  });

  it('prefers "<type>.<action>", then "<type>" (GitHub issues.opened / issues)', async () => {
    const calls: string[] = [];
    const router = createWebhookRouter()
      .on('issues.opened', () => calls.push('issues.opened'))
      .on('issues', () => calls.push('issues'));
    await router.dispatch(webhook({ type: 'issues', action: 'opened' }));
    await router.dispatch(webhook({ type: 'issues', action: 'closed' }));
    await router.dispatch(webhook({ type: 'issues' }));
    expect(calls).toEqual(['issues.opened', 'issues', 'issues']);
  });

  it('sends unmatched and untyped webhooks to onUnhandled (or resolves undefined)', async () => {
    const bare = createWebhookRouter().on('x', () => 1);
    await expect(bare.dispatch(webhook({ type: 'y' }))).resolves.toBeUndefined();
    const fallback = vi.fn((w: VerifiedWebhook) => `unhandled:${w.type ?? 'none'}`);
    const router = createWebhookRouter({ onUnhandled: fallback }).on('x', () => 1);
    await expect(router.dispatch(webhook({ type: 'y' }))).resolves.toBe('unhandled:y');
    await expect(router.dispatch(webhook({}))).resolves.toBe('unhandled:none');
    const other = vi.fn(() => 'other');
    router.onUnhandled(other);
    await expect(router.dispatch(webhook({ type: 'z' }))).resolves.toBe('other');
    expect(fallback).toHaveBeenCalledTimes(2);
  });

  it('validates with a Standard Schema per route and hands the handler its output', async () => {
    const handler = vi.fn(
      (invoice: { id: string }, _webhook: VerifiedWebhook<{ id: string }>) => invoice.id,
    );
    const router = createWebhookRouter()
      .on('invoice.paid', invoiceSchema, handler)
      .on('ping', asyncSchema, (n) => n + 1);
    const good = await stripeEvent({
      id: 'evt_3',
      type: 'invoice.paid',
      data: { object: { id: 'in_1' } },
    });
    await expect(router.dispatch(good)).resolves.toBe('IN_1');
    expect(handler.mock.calls[0]?.[1]).toMatchObject({ id: 'evt_3', payload: { id: 'IN_1' } });
    await expect(router.dispatch(webhook({ type: 'ping', body: '{}' }))).resolves.toBe(2);

    const bad = await stripeEvent({
      id: 'evt_4',
      type: 'invoice.paid',
      data: { object: { id: 7, card: '4242' } },
    });
    const error = await router.dispatch(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookSchemaError);
    expect(error).toMatchObject({
      code: 'WEBHOOK_PAYLOAD_INVALID',
      status: 422,
      provider: 'stripe',
      type: 'invoice.paid',
      paths: ['data.object.id'],
    });
    expect((error as Error).message).not.toContain('4242');
    await expect(router.dispatch(webhook({ type: 'ping', body: '3' }))).rejects.toMatchObject({
      paths: [''],
    });
  });

  it('rejects a non-JSON body with WebhookPayloadError, and passes handler errors through', async () => {
    const router = createWebhookRouter()
      .on('a', () => 1)
      .on('b', () => {
        throw new Error('handler failed');
      });
    await expect(router.dispatch(webhook({ type: 'a', body: 'nope' }))).rejects.toBeInstanceOf(
      WebhookPayloadError,
    );
    await expect(router.dispatch(webhook({ type: 'b', body: '{}' }))).rejects.toThrow(
      'handler failed',
    );
  });

  it('refuses bad routes at registration', () => {
    const router = createWebhookRouter().on('a', () => 1);
    expect(() => router.on('a', () => 2)).toThrow(WebhookOptionsError);
    expect(() => router.on('', () => 2)).toThrow(WebhookOptionsError);
    expect(() => router.on('c', invoiceSchema, 'x' as never)).toThrow(WebhookOptionsError);
    expect(() => router.on('d', 5 as never)).toThrow(WebhookOptionsError);
    expect(() => router.onUnhandled(null as never)).toThrow(WebhookOptionsError);
  });

  it('never throws anything but typed errors or handler errors on random webhooks (property)', async () => {
    const router = createWebhookRouter()
      .on('t', invoiceSchema, () => 'ok')
      .on('t.a', () => 'ok2');
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          type: fc.option(fc.constantFrom('t', 'u', ''), { nil: undefined }),
          action: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
          body: fc.oneof(fc.json(), fc.string()),
        }),
        async (fields) => {
          const w = webhook({ provider: 'p' });
          w.body = fields.body;
          if (fields.type !== undefined) w.type = fields.type;
          if (fields.action !== undefined) w.action = fields.action;
          try {
            await router.dispatch(w);
          } catch (error) {
            expect(
              error instanceof WebhookPayloadError || error instanceof WebhookSchemaError,
            ).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
