import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtInDescriber, type DescribeInput } from './describe.js';

/** A describer's input: the payload, headers, and what the verifier read (id, type, action). */
const input = (
  payload: unknown,
  verified: { id?: string; type?: string; action?: string } = {},
  headers: Record<string, string> = {},
): DescribeInput => ({ headers, body: JSON.stringify(payload), payload, ...verified });

// Shapes from each provider's public webhook documentation.
describe('built-in describers', () => {
  it("Stripe: the verifier's id and type, data.object.id and created (seconds)", () => {
    const event = {
      id: 'evt_1',
      type: 'invoice.paid',
      created: 1_700_000_000,
      data: { object: { id: 'in_1' } },
    };
    expect(builtInDescriber('stripe')(input(event, { id: 'evt_1', type: 'invoice.paid' }))).toEqual(
      {
        eventId: 'evt_1',
        type: 'invoice.paid',
        resourceKey: 'in_1',
        occurredAt: 1_700_000_000_000,
      },
    );
  });

  it('GitHub (and any other provider): id and type.action from the verifier', () => {
    const d = builtInDescriber('github');
    expect(d(input({}, { id: 'g1', type: 'issues', action: 'opened' }))).toEqual({
      eventId: 'g1',
      type: 'issues.opened',
    });
    expect(d(input({}, { id: 'g2', type: 'push' }))).toEqual({ eventId: 'g2', type: 'push' });
    expect(d(input({}))).toEqual({ eventId: undefined, type: undefined });
  });

  it('Shopify: X-Shopify-Event-Id when sent (else the webhook id), triggered-at and the resource', () => {
    const d = builtInDescriber('shopify');
    const headers = {
      'x-shopify-event-id': 'e1',
      'x-shopify-triggered-at': '2026-01-01T00:00:00Z',
    };
    expect(
      d(
        input(
          { admin_graphql_api_id: 'gid://shopify/Order/1' },
          { id: 'w1', type: 'orders/create' },
          headers,
        ),
      ),
    ).toEqual({
      eventId: 'e1',
      type: 'orders/create',
      resourceKey: 'gid://shopify/Order/1',
      occurredAt: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(
      d(input({ id: 5 }, { id: 'w1' }, { 'x-shopify-triggered-at': 'garbage' })),
    ).toMatchObject({ eventId: 'w1', resourceKey: '5', occurredAt: undefined });
  });

  it('Slack: event_time', () => {
    expect(
      builtInDescriber('slack')(input({ event_time: 10 }, { id: 'Ev1', type: 'app_mention' })),
    ).toEqual({ eventId: 'Ev1', type: 'app_mention', occurredAt: 10_000 });
  });

  it('Paddle: data.id and occurred_at', () => {
    const event = { occurred_at: '2026-01-02T03:04:05.000Z', data: { id: 'txn_1' } };
    expect(
      builtInDescriber('paddle')(input(event, { id: 'evt_01', type: 'transaction.completed' })),
    ).toEqual({
      eventId: 'evt_01',
      type: 'transaction.completed',
      resourceKey: 'txn_1',
      occurredAt: Date.parse(event.occurred_at),
    });
  });

  it('Standard Webhooks and Svix: the body timestamp', () => {
    for (const name of ['standard-webhooks', 'svix']) {
      expect(
        builtInDescriber(name)(
          input({ timestamp: '2026-01-01T00:00:00Z' }, { id: 'msg_1', type: 'user.created' }),
        ),
      ).toEqual({
        eventId: 'msg_1',
        type: 'user.created',
        occurredAt: Date.parse('2026-01-01T00:00:00Z'),
      });
    }
  });

  it('Linear: data.id and webhookTimestamp', () => {
    expect(
      builtInDescriber('linear')(
        input(
          { data: { id: 'i1' }, webhookTimestamp: 123 },
          { id: 'ld', type: 'Issue', action: 'create' },
        ),
      ),
    ).toEqual({ eventId: 'ld', type: 'Issue.create', resourceKey: 'i1', occurredAt: 123 });
  });

  it('Zoom: no id (Zoom sends none, so the body hash dedupes); event_ts is the time', () => {
    expect(
      builtInDescriber('zoom')(input({ event_ts: 1_700_000_000_123 }, { type: 'meeting.started' })),
    ).toEqual({
      eventId: undefined,
      type: 'meeting.started',
      occurredAt: 1_700_000_000_123,
    });
    expect(builtInDescriber('zoom')(input({}, { type: 'x' }))).toMatchObject({
      eventId: undefined,
      occurredAt: undefined,
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
    const text = fc.option(fc.string(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.string()),
        text,
        text,
        (name, payload, headers, id, type) => {
          const result = builtInDescriber(name)({
            headers,
            body: '',
            payload,
            ...(id === undefined ? {} : { id }),
            ...(type === undefined ? {} : { type }),
          });
          for (const value of [result.eventId, result.type, result.resourceKey]) {
            expect(value === undefined || typeof value === 'string').toBe(true);
          }
          expect(result.occurredAt === undefined || Number.isFinite(result.occurredAt)).toBe(true);
        },
      ),
    );
  });
});
