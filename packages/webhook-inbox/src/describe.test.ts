import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtInDescriber, type DescribeInput } from './describe.js';

const input = (
  payload: unknown,
  headers: Record<string, string> = {},
  deliveryId?: string,
): DescribeInput => ({
  headers,
  body: JSON.stringify(payload),
  payload,
  ...(deliveryId === undefined ? {} : { deliveryId }),
});

// Shapes from each provider's public webhook documentation.
describe('built-in describers', () => {
  it('Stripe: id, type, data.object.id and created (seconds) from the event body', () => {
    const event = {
      id: 'evt_1',
      type: 'invoice.paid',
      created: 1_700_000_000,
      data: { object: { id: 'in_1' } },
    };
    expect(builtInDescriber('stripe')(input(event))).toEqual({
      eventId: 'evt_1',
      type: 'invoice.paid',
      resourceKey: 'in_1',
      occurredAt: 1_700_000_000_000,
    });
  });

  it('GitHub: X-GitHub-Delivery and X-GitHub-Event plus the action', () => {
    const d = builtInDescriber('github');
    expect(
      d(input({ action: 'opened' }, { 'x-github-delivery': 'g1', 'x-github-event': 'issues' })),
    ).toMatchObject({ eventId: 'g1', type: 'issues.opened' });
    expect(d(input({}, { 'x-github-event': 'push' }, 'fallback'))).toMatchObject({
      eventId: 'fallback',
      type: 'push',
    });
    expect(d(input({}, {}))).toMatchObject({ eventId: undefined, type: undefined });
  });

  it('Shopify: X-Shopify-Event-Id (or Webhook-Id), topic, triggered-at and the resource', () => {
    const d = builtInDescriber('shopify');
    const headers = {
      'x-shopify-event-id': 'e1',
      'x-shopify-topic': 'orders/create',
      'x-shopify-triggered-at': '2026-01-01T00:00:00Z',
      'x-shopify-webhook-id': 'w1',
    };
    expect(d(input({ admin_graphql_api_id: 'gid://shopify/Order/1' }, headers))).toEqual({
      eventId: 'e1',
      type: 'orders/create',
      resourceKey: 'gid://shopify/Order/1',
      occurredAt: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(
      d(input({ id: 5 }, { 'x-shopify-webhook-id': 'w1', 'x-shopify-triggered-at': 'garbage' })),
    ).toMatchObject({ eventId: 'w1', resourceKey: '5', occurredAt: undefined });
  });

  it('Slack: event_id, event.type and event_time', () => {
    expect(
      builtInDescriber('slack')(
        input({ event_id: 'Ev1', event_time: 10, event: { type: 'app_mention' } }),
      ),
    ).toEqual({ eventId: 'Ev1', type: 'app_mention', occurredAt: 10_000 });
    expect(builtInDescriber('slack')(input({ type: 'url_verification' }))).toMatchObject({
      type: 'url_verification',
    });
  });

  it('Paddle: event_id, event_type, data.id and occurred_at', () => {
    const event = {
      event_id: 'evt_01',
      event_type: 'transaction.completed',
      occurred_at: '2026-01-02T03:04:05.000Z',
      data: { id: 'txn_1' },
    };
    expect(builtInDescriber('paddle')(input(event))).toEqual({
      eventId: 'evt_01',
      type: 'transaction.completed',
      resourceKey: 'txn_1',
      occurredAt: Date.parse(event.occurred_at),
    });
  });

  it('Standard Webhooks and Svix: webhook-id, type and timestamp', () => {
    for (const name of ['standard-webhooks', 'svix']) {
      expect(
        builtInDescriber(name)(
          input({ type: 'user.created', timestamp: '2026-01-01T00:00:00Z' }, {}, 'msg_1'),
        ),
      ).toEqual({
        eventId: 'msg_1',
        type: 'user.created',
        occurredAt: Date.parse('2026-01-01T00:00:00Z'),
      });
    }
    expect(builtInDescriber('svix')(input({ eventType: 'x' }, {}, 'm'))).toMatchObject({
      type: 'x',
    });
  });

  it('Linear: Linear-Delivery, type.action, data.id and webhookTimestamp', () => {
    const d = builtInDescriber('linear');
    expect(
      d(
        input(
          { type: 'Issue', action: 'create', data: { id: 'i1' }, webhookTimestamp: 123 },
          { 'linear-delivery': 'ld' },
        ),
      ),
    ).toEqual({ eventId: 'ld', type: 'Issue.create', resourceKey: 'i1', occurredAt: 123 });
    expect(d(input({ type: 'Issue', webhookId: 'wh' }))).toMatchObject({
      eventId: 'wh',
      type: 'Issue',
    });
    expect(d(input({}))).toMatchObject({ type: undefined });
  });

  it('Zoom: event and event_ts (Zoom sends no event id)', () => {
    expect(
      builtInDescriber('zoom')(input({ event: 'meeting.started', event_ts: 1_700_000_000_123 })),
    ).toEqual({
      eventId: 'meeting.started:1700000000123',
      type: 'meeting.started',
      occurredAt: 1_700_000_000_123,
    });
    expect(builtInDescriber('zoom')(input({ event: 'x' }))).toMatchObject({ eventId: undefined });
  });

  it('anything else: the delivery id or `id`, and `type`', () => {
    expect(builtInDescriber('custom')(input({ id: 7, type: 't' }))).toEqual({
      eventId: '7',
      type: 't',
    });
    expect(builtInDescriber('custom')(input({ id: 'x' }, {}, 'del'))).toMatchObject({
      eventId: 'del',
    });
  });

  it('never throws, whatever the payload and headers (property)', () => {
    const names = [
      'stripe',
      'github',
      'shopify',
      'slack',
      'paddle',
      'svix',
      'linear',
      'zoom',
      'other',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.string()),
        (name, payload, headers) => {
          const result = builtInDescriber(name)({ headers, body: '', payload });
          for (const value of [result.eventId, result.type, result.resourceKey]) {
            expect(value === undefined || typeof value === 'string').toBe(true);
          }
          expect(result.occurredAt === undefined || Number.isFinite(result.occurredAt)).toBe(true);
        },
      ),
    );
  });
});
