import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hmacScheme,
  type ProviderName,
  signWebhook,
  verifyWebhook,
  WebhookPayloadError,
} from './index.js';

const NOW = 1_700_000_000;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ED25519_SEED = '07'.repeat(32);

async function verified(
  provider: ProviderName,
  body: string,
  extraHeaders: Record<string, string> = {},
  options: { id?: string; url?: string; secret?: string; verifySecret?: string } = {},
) {
  const signed = await signWebhook({
    provider,
    secret: options.secret ?? SECRET,
    body,
    timestamp: NOW,
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.url === undefined ? {} : { url: options.url }),
  });
  return verifyWebhook(
    { body, headers: { ...signed.headers, ...extraHeaders }, url: options.url },
    { provider, secret: options.verifySecret ?? options.secret ?? SECRET, now: NOW * 1000 },
  );
}

describe('verifyWebhook results carry the provider event id, type and action', () => {
  it('stripe: id and type from the body', async () => {
    const body = JSON.stringify({ id: 'evt_123', type: 'invoice.paid', data: {} });
    await expect(verified('stripe', body)).resolves.toMatchObject({
      provider: 'stripe',
      id: 'evt_123',
      type: 'invoice.paid',
      timestamp: NOW,
    });
  });

  it('github: X-GitHub-Delivery, X-GitHub-Event and the body action', async () => {
    const result = await verified(
      'github',
      '{"action":"opened","issue":{}}',
      { 'x-github-event': 'issues' },
      { id: 'd-1' },
    );
    expect(result).toMatchObject({ id: 'd-1', type: 'issues', action: 'opened' });
    const ping = await verified(
      'github',
      '{"zen":"hi"}',
      { 'x-github-event': 'ping' },
      { id: 'd-2' },
    );
    expect(ping).toMatchObject({ id: 'd-2', type: 'ping' });
    expect(ping.action).toBeUndefined();
  });

  it('shopify: X-Shopify-Webhook-Id and X-Shopify-Topic (or the unprefixed names)', async () => {
    await expect(
      verified('shopify', '{}', { 'x-shopify-topic': 'orders/create' }, { id: 'w-1' }),
    ).resolves.toMatchObject({ id: 'w-1', type: 'orders/create' });
    await expect(
      verified('shopify', '{}', { 'shopify-topic': 'orders/paid' }, { id: 'w-2' }),
    ).resolves.toMatchObject({ id: 'w-2', type: 'orders/paid' });
  });

  it('shopify: the id is X-Shopify-Event-Id when sent (Shopify dedupes on it), not the delivery id', async () => {
    // Two deliveries of one event (a retry, or a second subscription): Shopify's docs say the
    // same X-Shopify-Event-Id marks them as duplicates; the webhook ids differ.
    for (const [delivery, headers] of [
      ['w-1', { 'x-shopify-event-id': 'e-1', 'x-shopify-topic': 'orders/create' }],
      ['w-2', { 'x-shopify-event-id': 'e-1', 'x-shopify-topic': 'orders/create' }],
      ['w-3', { 'shopify-event-id': 'e-1', 'shopify-topic': 'orders/create' }],
    ] as const) {
      await expect(verified('shopify', '{}', headers, { id: delivery })).resolves.toMatchObject({
        id: 'e-1',
        type: 'orders/create',
      });
    }
  });

  it('standard webhooks and svix: the id header and the body type', async () => {
    const body = '{"type":"user.created","timestamp":"2023-11-14T22:13:20Z","data":{}}';
    for (const provider of ['standard-webhooks', 'svix'] as const) {
      await expect(verified(provider, body, {}, { id: 'msg_9' })).resolves.toMatchObject({
        id: 'msg_9',
        type: 'user.created',
      });
    }
  });

  it('slack: event_id, and the inner event type (or the top-level type)', async () => {
    const callback = '{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}';
    await expect(verified('slack', callback)).resolves.toMatchObject({
      id: 'Ev1',
      type: 'app_mention',
    });
    await expect(
      verified('slack', '{"type":"url_verification","challenge":"x"}'),
    ).resolves.toMatchObject({
      type: 'url_verification',
    });
    const command = await verified('slack', 'command=%2Fdeploy&text=now');
    expect(command.id).toBeUndefined();
    expect(command.type).toBeUndefined();
  });

  it('paddle, square and zoom: their body fields', async () => {
    await expect(
      verified('paddle', '{"event_id":"evt_01","event_type":"transaction.completed"}'),
    ).resolves.toMatchObject({ id: 'evt_01', type: 'transaction.completed' });
    await expect(
      verified(
        'square',
        '{"event_id":"e-1","type":"payment.created"}',
        {},
        { url: 'https://x.test/sq' },
      ),
    ).resolves.toMatchObject({ id: 'e-1', type: 'payment.created' });
    const zoom = await verified('zoom', '{"event":"meeting.started","payload":{}}');
    expect(zoom).toMatchObject({ type: 'meeting.started' });
    expect(zoom.id).toBeUndefined();
  });

  it('linear: Linear-Delivery, Linear-Event (else the body type) and the body action', async () => {
    const body = JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: NOW * 1000 });
    await expect(
      verified('linear', body, { 'linear-event': 'Issue' }, { id: 'l-1' }),
    ).resolves.toMatchObject({ id: 'l-1', type: 'Issue', action: 'create' });
    const noHeader = JSON.stringify({
      type: 'Comment',
      action: 'update',
      webhookTimestamp: NOW * 1000,
    });
    await expect(verified('linear', noHeader, {}, { id: 'l-2' })).resolves.toMatchObject({
      type: 'Comment',
      action: 'update',
    });
  });

  it('discord: the interaction id and type, or the webhook event type', async () => {
    const { ed25519PublicKey } = await import('./index.js');
    const seed = Buffer.from(ED25519_SEED, 'hex');
    const publicKey = Buffer.from(await ed25519PublicKey(seed)).toString('hex');
    const opts = { secret: ED25519_SEED, verifySecret: publicKey };
    await expect(verified('discord', '{"id":"42","type":2}', {}, opts)).resolves.toMatchObject({
      id: '42',
      type: '2',
    });
    await expect(
      verified('discord', '{"type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}', {}, opts),
    ).resolves.toMatchObject({ type: 'APPLICATION_AUTHORIZED' });
  });

  it('twilio: the idempotency token as id, no type', async () => {
    const result = await verified(
      'twilio',
      'A=1',
      { 'i-twilio-idempotency-token': 'tok-1' },
      { url: 'https://example.com/hook' },
    );
    expect(result).toMatchObject({ id: 'tok-1' });
    expect(result.type).toBeUndefined();
  });

  it('hmacScheme: idHeader and typeHeader', async () => {
    const acme = hmacScheme({
      name: 'acme',
      header: 'X-Acme-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      idHeader: 'X-Acme-Delivery',
      typeHeader: 'X-Acme-Event',
    });
    const signed = await signWebhook({ provider: acme, secret: 's3cret', body: '{}', id: 'a-1' });
    await expect(
      verifyWebhook(
        { body: '{}', headers: { ...signed.headers, 'x-acme-event': 'thing.done' } },
        { provider: acme, secret: 's3cret' },
      ),
    ).resolves.toMatchObject({ id: 'a-1', type: 'thing.done' });
  });

  it('leaves out non-string, empty and overlong fields, and never throws for a non-JSON body', async () => {
    for (const body of [
      '{"id":5,"type":["a"]}',
      '{"id":"","type":null}',
      `{"id":"${'x'.repeat(513)}","type":"ok"}`,
      'not json',
      '[1,2]',
      'null',
    ]) {
      const result = await verified('stripe', body);
      expect(result.id).toBeUndefined();
      expect(result.type === undefined || result.type === 'ok').toBe(true);
    }
  });

  it('parses the body once for parse: true, and still reports a non-JSON body as a payload error', async () => {
    const body = '{"id":"evt_1","type":"a.b","n":1}';
    const signed = await signWebhook({ provider: 'stripe', secret: SECRET, body, timestamp: NOW });
    const result = await verifyWebhook<{ n: number }>(
      { body, headers: signed.headers },
      { provider: 'stripe', secret: SECRET, now: NOW * 1000, parse: true },
    );
    expect(result).toMatchObject({ id: 'evt_1', type: 'a.b', payload: { n: 1 } });
    const bad = await signWebhook({
      provider: 'stripe',
      secret: SECRET,
      body: '{',
      timestamp: NOW,
    });
    await expect(
      verifyWebhook(
        { body: '{', headers: bad.headers },
        { provider: 'stripe', secret: SECRET, now: NOW * 1000, parse: true },
      ),
    ).rejects.toBeInstanceOf(WebhookPayloadError);
  });

  it('any verified JSON body gives string-or-absent fields, never an error (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 3 }), async (body) => {
        for (const provider of ['stripe', 'slack', 'paddle'] as const) {
          const result = await verified(provider, body);
          for (const key of ['id', 'type', 'action'] as const) {
            const value = result[key];
            expect(value === undefined || (typeof value === 'string' && value.length <= 512)).toBe(
              true,
            );
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
