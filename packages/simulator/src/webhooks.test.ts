import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ProviderName, verifyWebhook } from '@brace/webhook-verify';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from './provider.js';
import type { Provider, ProviderOptions } from './provider-types.js';
import { fixedClock, until } from './test-utils.fixture.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Received {
  headers: Record<string, string>;
  body: string;
  verdict: string;
}

/** A receiver that verifies each delivery with @brace/webhook-verify and answers `status()`. */
async function receiver(
  scheme: ProviderName,
  secret: string,
  now: () => number,
  status: (n: number) => number = () => 200,
) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
      );
      let verdict = 'ok';
      try {
        await verifyWebhook({ body, headers }, { provider: scheme, secret, now });
      } catch (error) {
        verdict = (error as { code: string }).code;
      }
      received.push({ headers, body, verdict });
      res.writeHead(status(received.length));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function start(options: ProviderOptions): Promise<Provider> {
  const provider = await createProvider({ rateLimit: false, ...options });
  cleanups.push(() => provider.close());
  return provider;
}
const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('webhooks', () => {
  it.each([
    ['ietf', 'standard-webhooks', SECRET, 'webhook-id'],
    ['stripe', 'stripe', 'whsec_test_secret', 'stripe-signature'],
    ['github', 'github', 'gh-secret', 'x-hub-signature-256'],
    ['shopify', 'shopify', 'shp-secret', 'x-shopify-hmac-sha256'],
    ['slack', 'slack', 'slack-secret', 'x-slack-signature'],
  ] as const)(
    '%s: a created resource sends a %s-signed event that verifies',
    async (preset, scheme, secret, header) => {
      const clock = fixedClock();
      const hooks = await receiver(scheme, secret, () => clock.now());
      cleanups.push(hooks.close);
      const p = await start({ clock, preset, webhooks: { url: hooks.url, secret } });
      await post(`${p.url}/orders`, { total: 5 });
      await p.webhooks?.drain();
      expect(hooks.received).toHaveLength(1);
      const [delivery] = hooks.received;
      expect(delivery?.verdict).toBe('ok');
      expect(delivery?.headers[header]).toBeDefined();
      expect(JSON.parse(delivery?.body ?? '')).toMatchObject({
        id: 'evt_00000001',
        type: 'orders.created',
        data: { total: 5 },
      });
      expect(p.ledger.webhooks).toMatchObject({ events: 1, attempts: 1, acknowledged: 1 });
    },
  );

  it('github deliveries carry X-GitHub-Event and X-GitHub-Delivery; shopify X-Shopify-Topic', async () => {
    const clock = fixedClock();
    const gh = await receiver('github', 's', () => clock.now());
    cleanups.push(gh.close);
    const p = await start({ clock, preset: 'github', webhooks: { url: gh.url, secret: 's' } });
    p.webhooks?.emit('push', { ref: 'main' });
    await p.webhooks?.drain();
    expect(gh.received[0]?.headers).toMatchObject({
      'x-github-event': 'push',
      'x-github-delivery': 'evt_00000001',
    });
  });

  it('sends duplicates, forgeries, stale and future timestamps that a verifier tells apart', async () => {
    const clock = fixedClock();
    const hooks = await receiver('standard-webhooks', SECRET, () => clock.now());
    cleanups.push(hooks.close);
    const p = await start({
      clock,
      webhooks: { url: hooks.url, secret: SECRET, duplicates: 1, forged: 1, stale: 1, future: 1 },
    });
    p.webhooks?.emit('a.b', {});
    await p.webhooks?.drain();
    expect(hooks.received.map((r) => r.verdict)).toEqual([
      'ok',
      'ok',
      'NO_MATCHING_SIGNATURE',
      'TIMESTAMP_TOO_OLD',
      'TIMESTAMP_IN_FUTURE',
    ]);
    expect(hooks.received[1]?.headers['webhook-id']).toBe(hooks.received[0]?.headers['webhook-id']);
    expect(p.ledger.webhooks).toMatchObject({
      events: 1,
      attempts: 5,
      duplicates: 1,
      forged: 1,
      stale: 1,
      future: 1,
      acknowledged: 1,
    });
    expect(p.webhooks?.deliveries.map((d) => d.kind)).toEqual([
      'genuine',
      'duplicate',
      'forged',
      'stale',
      'future',
    ]);
  });

  it('skips stale and future deliveries for schemes without a signed timestamp; forges other secret formats', async () => {
    const clock = fixedClock();
    const hooks = await receiver('github', 'plain', () => clock.now());
    cleanups.push(hooks.close);
    const p = await start({
      clock,
      preset: 'github',
      webhooks: { url: hooks.url, secret: 'plain', stale: 1, future: 1, forged: 1 },
    });
    p.webhooks?.emit('push', {});
    await p.webhooks?.drain();
    expect(hooks.received.map((r) => r.verdict)).toEqual(['ok', 'NO_MATCHING_SIGNATURE']);
  });

  it('reorders: a held event is delivered after the next one, or on drain', async () => {
    const clock = fixedClock();
    const hooks = await receiver('standard-webhooks', SECRET, () => clock.now());
    cleanups.push(hooks.close);
    const p = await start({
      clock,
      seed: 1,
      webhooks: { url: hooks.url, secret: SECRET, reorder: 0.5 },
    });
    for (let i = 0; i < 12; i++) p.webhooks?.emit('n', { i });
    await p.webhooks?.drain();
    const order = hooks.received.map((r) => (JSON.parse(r.body) as { data: { i: number } }).data.i);
    expect([...order].sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(order).not.toEqual([...Array(12).keys()]);
    expect(p.ledger.webhooks.reordered).toBeGreaterThan(0);
  });

  it('retries non-2xx answers on the preset schedule, with the same id, then gives up', async () => {
    const clock = fixedClock();
    const hooks = await receiver(
      'slack',
      'slack-secret',
      () => clock.now(),
      (n) => (n < 3 ? 500 : 200),
    );
    cleanups.push(hooks.close);
    const p = await start({
      clock,
      preset: 'slack',
      webhooks: { url: hooks.url, secret: 'slack-secret' },
    });
    p.webhooks?.emit('message', {});
    await until(() => hooks.received.length === 1, 'the first delivery');
    await until(() => clock.pending === 1, 'the retry wait');
    await clock.advance(0); // Slack retries at once, then after 1 minute, then after 5
    await until(() => hooks.received.length === 2 && clock.pending === 1, 'the second delivery');
    await clock.advance(60_000);
    await p.webhooks?.drain();
    expect(hooks.received.map((r) => r.headers['x-slack-retry-num'])).toEqual([
      undefined,
      '1',
      '2',
    ]);
    expect(hooks.received.every((r) => r.verdict === 'ok')).toBe(true);
    expect(p.ledger.webhooks).toMatchObject({
      attempts: 3,
      retried: 2,
      acknowledged: 1,
      failed: 0,
    });

    const down = await receiver(
      'standard-webhooks',
      SECRET,
      () => clock.now(),
      () => 503,
    );
    cleanups.push(down.close);
    const q = await start({
      clock,
      webhooks: { url: down.url, secret: SECRET, retryDelaysMs: [10, 20] },
    });
    q.webhooks?.emit('x', {});
    await until(() => clock.pending === 1, 'retry 1');
    await clock.advance(10);
    await until(() => down.received.length === 2 && clock.pending === 1, 'retry 2');
    await clock.advance(20);
    await q.webhooks?.drain();
    expect(q.ledger.webhooks).toMatchObject({
      attempts: 3,
      retried: 2,
      acknowledged: 0,
      failed: 1,
    });
  });

  it('counts network errors as failed attempts, and close() stops pending retries', async () => {
    const clock = fixedClock();
    const p = await createProvider({
      clock,
      webhooks: { url: 'http://127.0.0.1:9/none', secret: SECRET, retryDelaysMs: [60_000] },
    });
    p.webhooks?.emit('x', {});
    await until(() => clock.pending === 1, 'the retry wait');
    expect(p.webhooks?.deliveries[0]?.status).toBe(0);
    const closing = p.close();
    await closing;
    expect(p.ledger.webhooks).toMatchObject({ attempts: 1, acknowledged: 0, failed: 1 });
  });

  it('missed mode never delivers some events, but lists them all at /events for reconciliation', async () => {
    const clock = fixedClock();
    const hooks = await receiver('standard-webhooks', SECRET, () => clock.now());
    cleanups.push(hooks.close);
    const p = await start({
      clock,
      seed: 4,
      webhooks: { url: hooks.url, secret: SECRET, missed: 0.4 },
    });
    for (let i = 0; i < 10; i++) await post(`${p.url}/payments`, { i });
    await p.webhooks?.drain();
    const missed = p.ledger.webhooks.missed;
    expect(missed).toBeGreaterThan(0);
    expect(hooks.received).toHaveLength(10 - missed);
    const page1 = (await (await fetch(`${p.url}/events?limit=6`)).json()) as {
      data: { id: string }[];
      has_more: boolean;
    };
    expect(page1.data).toHaveLength(6);
    expect(page1.has_more).toBe(true);
    const page2 = (await (
      await fetch(`${p.url}/events?starting_after=${page1.data[5]?.id}`)
    ).json()) as {
      data: { id: string }[];
      has_more: boolean;
    };
    expect(page2.data).toHaveLength(4);
    expect(page2.has_more).toBe(false);
    const same = (await (
      await fetch(`${p.url}/events?after=${page1.data[5]?.id}`)
    ).json()) as typeof page2;
    expect(same).toEqual(page2);
    const delivered = new Set(hooks.received.map((r) => (JSON.parse(r.body) as { id: string }).id));
    const listed = [...page1.data, ...page2.data].map((e) => e.id);
    expect(listed.filter((id) => !delivered.has(id))).toHaveLength(missed);
  });
});
