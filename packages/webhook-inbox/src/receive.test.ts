import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { signWebhook } from '@brace/webhook-verify';
import { describe, expect, it } from 'vitest';
import { createInbox } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import {
  clockAt,
  failing,
  GITHUB_SECRET,
  githubRequest,
  STRIPE_SECRET,
  stripeEvent,
  stripeRequest,
  T0,
} from './test-utils/fixtures.js';

function setup(store = memoryInboxStore()) {
  const clock = clockAt();
  const events: unknown[] = [];
  const record = (kind: string) => (event: unknown) => events.push({ kind, event });
  const inbox = createInbox({
    store,
    clock,
    providers: {
      stripe: { secret: STRIPE_SECRET, now: () => clock.now() },
      github: { secret: GITHUB_SECRET },
    },
    handlers: {},
    onReceived: record('received'),
    onRejected: record('rejected'),
    onStoreError: record('store-error'),
  });
  return { inbox, store, events, clock };
}

describe('receivers', () => {
  it('stores a verified delivery before answering 200, and answers a redelivery as a duplicate', async () => {
    const { inbox, store, events } = setup();
    const body = stripeEvent('evt_1');
    const first = await inbox.fetch('stripe')(await stripeRequest(body));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true });
    const stored = await store.get('stripe:evt_1');
    expect(stored).toMatchObject({
      type: 'invoice.paid',
      resourceKey: 'in_evt_1',
      payload: body,
      status: 'pending',
      source: 'delivery',
      occurredAt: 1_800_000_000_000,
    });
    const again = await inbox.fetch('stripe')(await stripeRequest(body));
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(events).toEqual([
      {
        kind: 'received',
        event: {
          id: 'stripe:evt_1',
          provider: 'stripe',
          type: 'invoice.paid',
          duplicate: false,
          source: 'delivery',
        },
      },
      {
        kind: 'received',
        event: {
          id: 'stripe:evt_1',
          provider: 'stripe',
          type: 'invoice.paid',
          duplicate: true,
          source: 'delivery',
        },
      },
    ]);
  });

  it("refuses a forged delivery with the verifier's typed problem and stores nothing", async () => {
    const { inbox, store, events } = setup();
    const response = await inbox.fetch('stripe')(
      await stripeRequest(stripeEvent('evt_f'), 'whsec_wrong'),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 401, code: 'NO_MATCHING_SIGNATURE' });
    expect(await store.get('stripe:evt_f')).toBeUndefined();
    expect(events).toEqual([
      {
        kind: 'rejected',
        event: { provider: 'stripe', code: 'NO_MATCHING_SIGNATURE', status: 401 },
      },
    ]);
  });

  it('answers 503 with Retry-After, never 2xx, when the store fails; the error keeps no secret', async () => {
    const { inbox, events } = setup(failing(memoryInboxStore(), new Set(['insert'])));
    const response = await inbox.fetch('stripe')(await stripeRequest(stripeEvent('evt_down')));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const problem = await response.json();
    expect(problem).toMatchObject({ status: 503, code: 'INBOX_STORE_UNAVAILABLE' });
    expect(events).toHaveLength(1);
    const { event } = (events as Array<{ event: { error: Error } }>)[0]!;
    expect(event.error).toMatchObject({ code: 'INBOX_STORE_FAILED', operation: 'insert' });
    const dump = inspect(event.error, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    expect(dump).toContain('ECONNREFUSED');
    expect(dump).not.toContain('planted-secret');
    expect(JSON.stringify(problem)).not.toContain('planted-secret');
  });

  it('reads GitHub ids and types from its headers', async () => {
    const { inbox, store } = setup();
    const response = await inbox.receive(
      'github',
      await githubRequest('d-1', 'issues', { action: 'opened', issue: { number: 7 } }),
    );
    expect(response.status).toBe(200);
    expect(await store.get('github:d-1')).toMatchObject({ type: 'issues.opened', eventId: 'd-1' });
  });

  it('falls back to a SHA-256 of the body when a provider sends no event id', async () => {
    const { inbox, store } = setup();
    const body = JSON.stringify({ object: 'no id here' });
    await inbox.receive('stripe', await stripeRequest(body));
    const [stored] = await store.list({ provider: 'stripe' });
    expect(stored?.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored?.type).toBe('unknown');
    expect(JSON.parse((await inbox.receive('stripe', await stripeRequest(body))).body)).toEqual({
      received: true,
      duplicate: true,
    });
  });

  it('Zoom (no event id): two different events of one type in the same millisecond are both stored', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    const inbox = createInbox({
      store,
      clock,
      providers: { zoom: { secret: 'zoom-secret', now: () => clock.now() } },
      handlers: {},
    });
    const deliver = async (payload: unknown) => {
      const body = JSON.stringify(payload);
      const signed = await signWebhook({
        provider: 'zoom',
        secret: 'zoom-secret',
        body,
        timestamp: clock.now() / 1000,
      });
      const answer = await inbox.receive('zoom', { body, headers: signed.headers });
      return JSON.parse(answer.body) as unknown;
    };
    const joined = (user: string) => ({
      event: 'meeting.participant_joined',
      event_ts: clock.now(),
      payload: { object: { participant: { user_id: user } } },
    });
    expect(await deliver(joined('u1'))).toEqual({ received: true });
    expect(await deliver(joined('u2'))).toEqual({ received: true }); // not a duplicate of u1
    expect(await deliver(joined('u2'))).toEqual({ received: true, duplicate: true }); // a redelivery
    expect(await store.list({ provider: 'zoom' })).toHaveLength(2);
  });

  it("answers Slack's and Zoom's endpoint checks as they require, and stores nothing", async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    const inbox = createInbox({
      store,
      clock,
      providers: {
        slack: { secret: 'slack-signing-secret', now: () => clock.now() },
        zoom: { secret: 'zoom-secret-token', now: () => clock.now() },
        zoom2: {
          scheme: 'zoom',
          secrets: [new TextEncoder().encode('zoom-secret-token')],
          now: () => clock.now(),
        },
      },
      handlers: {},
    });
    const deliver = async (
      provider: 'slack' | 'zoom',
      secret: string,
      payload: unknown,
      as: string = provider,
    ) => {
      const body = JSON.stringify(payload);
      const timestamp = clock.now() / 1000;
      const signed = await signWebhook({ provider, secret, body, timestamp });
      return inbox.receive(as, { body, headers: signed.headers });
    };
    const slack = await deliver('slack', 'slack-signing-secret', {
      token: 'x',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    expect(slack.status).toBe(200);
    expect(JSON.parse(slack.body)).toEqual({
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });
    const zoom = await deliver('zoom', 'zoom-secret-token', {
      event: 'endpoint.url_validation',
      event_ts: clock.now(),
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
    });
    expect(zoom.status).toBe(200);
    expect(JSON.parse(zoom.body)).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', 'zoom-secret-token')
        .update('qgg8vlvZRS6UYooatFL8Aw')
        .digest('hex'),
    });
    const bytes = await deliver(
      'zoom',
      'zoom-secret-token',
      { event: 'endpoint.url_validation', payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' } },
      'zoom2',
    );
    expect(JSON.parse(bytes.body)).toEqual(JSON.parse(zoom.body));
    expect(await store.list({})).toEqual([]);
    // Without the fields a check needs, it is an ordinary event.
    await deliver('slack', 'slack-signing-secret', { type: 'url_verification' });
    await deliver('zoom', 'zoom-secret-token', { event: 'endpoint.url_validation', payload: {} });
    expect(await store.list({})).toHaveLength(2);
  });

  it("checks the replay window against the inbox's injected clock", async () => {
    const clock = clockAt(); // T0, far from the real time
    const store = memoryInboxStore();
    const inbox = createInbox({
      store,
      clock,
      providers: { stripe: { secret: STRIPE_SECRET } }, // no `now` of its own
      handlers: {},
    });
    const answer = await inbox.receive('stripe', await stripeRequest(stripeEvent('evt_clock')));
    expect(answer.status).toBe(200);
    clock.advanceTo(T0 + 3_600_000);
    const late = await inbox.receive('stripe', await stripeRequest(stripeEvent('evt_late')));
    expect(JSON.parse(late.body)).toMatchObject({ code: 'TIMESTAMP_TOO_OLD' });
    expect(inbox.verifyOptions('stripe').now).toBeTypeOf('function');
  });

  it('uses a custom describer and scheme', async () => {
    const store = memoryInboxStore();
    const inbox = createInbox({
      store,
      providers: {
        billing: {
          scheme: 'stripe',
          secret: STRIPE_SECRET,
          toleranceSec: Number.POSITIVE_INFINITY,
          describe: ({ payload }) => ({
            eventId: (payload as { uuid: string }).uuid,
            type: 'custom',
            resourceKey: 'r1',
            occurredAt: 5,
          }),
        },
      },
      handlers: {},
    });
    await inbox.receive('billing', await stripeRequest(JSON.stringify({ uuid: 'u-1' })));
    expect(await store.get('billing:u-1')).toMatchObject({
      type: 'custom',
      resourceKey: 'r1',
      occurredAt: 5,
      orderAt: 5,
    });
  });

  it('a throwing callback never breaks a delivery', async () => {
    const inbox = createInbox({
      store: memoryInboxStore(),
      providers: { stripe: { secret: STRIPE_SECRET, toleranceSec: Number.POSITIVE_INFINITY } },
      handlers: {},
      onReceived: () => {
        throw new Error('callback bug');
      },
    });
    expect((await inbox.receive('stripe', await stripeRequest(stripeEvent('evt_cb')))).status).toBe(
      200,
    );
  });

  it('rejects unknown providers and bad options with typed errors', () => {
    const { inbox } = setup();
    expect(() => inbox.fetch('nope')).toThrow(
      expect.objectContaining({ code: 'INBOX_INVALID_OPTIONS' }),
    );
    const base = { store: memoryInboxStore(), providers: {}, handlers: {} };
    expect(() => createInbox({ ...base, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createInbox({ ...base, leaseMs: 1.5 })).toThrow(/leaseMs/);
    expect(() => createInbox({ ...base, retry: { attempts: 0 } })).toThrow(/retry.attempts/);
    expect(() => createInbox({ ...base, retry: { baseMs: -1 } })).toThrow(/retry.baseMs/);
    expect(() => createInbox({ ...base, unhandled: 'drop' as never })).toThrow(/unhandled/);
    expect(() => createInbox({ ...base, store: {} as never })).toThrow(/store/);
    expect(() => createInbox({ ...base, providers: null as never })).toThrow(/providers/);
    expect(() => createInbox({ ...base, providers: { 'a:b': { secret: 's' } } })).toThrow(/":"/);
  });

  it('refuses a provider without a secret, or unknown without a scheme, when the inbox is created', () => {
    const base = { store: memoryInboxStore(), handlers: {} };
    const typed = expect.objectContaining({ code: 'INBOX_INVALID_OPTIONS' });
    // The README's own pattern with the environment variable unset.
    const unset = process.env.BRACE_TEST_SURELY_UNSET_SECRET as string;
    expect(() => createInbox({ ...base, providers: { stripe: { secret: unset } } })).toThrow(
      /providers\.stripe has no secret/,
    );
    expect(() => createInbox({ ...base, providers: { stripe: { secret: '' } } })).toThrow(typed);
    expect(() => createInbox({ ...base, providers: { stripe: { secrets: [] } } })).toThrow(typed);
    expect(() => createInbox({ ...base, providers: { stripe: null as never } })).toThrow(
      /providers\.stripe must be an object/,
    );
    expect(() => createInbox({ ...base, providers: { strpie: { secret: 'whsec_x' } } })).toThrow(
      /providers\.strpie is not a built-in provider/,
    );
    // What is allowed: secrets for rotation, and any name with a scheme.
    expect(() =>
      createInbox({ ...base, providers: { stripe: { secrets: ['whsec_a', 'whsec_b'] } } }),
    ).not.toThrow();
    expect(() =>
      createInbox({ ...base, providers: { billing: { secret: 'whsec_a', scheme: 'stripe' } } }),
    ).not.toThrow();
    // The secret never appears in a message.
    try {
      createInbox({ ...base, providers: { strpie: { secret: 'whsec_planted_secret' } } });
    } catch (error) {
      expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
        'whsec_planted_secret',
      );
    }
    expect.assertions(8);
  });
});
