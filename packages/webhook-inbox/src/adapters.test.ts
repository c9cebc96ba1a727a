import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhook } from '@brace/webhook-verify';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { inboxMiddleware } from './express.js';
import { inboxHandler } from './hono.js';
import { createInbox } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import { failing, STRIPE_SECRET, stripeEvent, stripeRequest } from './test-utils/fixtures.js';

const providers = { stripe: { secret: STRIPE_SECRET, toleranceSec: Number.POSITIVE_INFINITY } };

describe('Hono', () => {
  it('stores a delivery and answers 200; a forged one 401; a store failure 503', async () => {
    const store = memoryInboxStore();
    const app = new Hono();
    app.post('/stripe', inboxHandler(createInbox({ store, providers, handlers: {} }), 'stripe'));
    app.post(
      '/down',
      inboxHandler(
        createInbox({ store: failing(store, new Set(['insert'])), providers, handlers: {} }),
        'stripe',
      ),
    );
    const ok = await app.request(
      new Request('http://x.test/stripe', await stripeRequest(stripeEvent('evt_h'))),
    );
    expect(ok.status).toBe(200);
    expect((await store.get('stripe:evt_h'))?.status).toBe('pending');
    const forged = await app.request(
      new Request('http://x.test/stripe', await stripeRequest(stripeEvent('evt_x'), 'whsec_bad')),
    );
    expect(forged.status).toBe(401);
    const down = await app.request(
      new Request('http://x.test/down', await stripeRequest(stripeEvent('evt_d'))),
    );
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
  });
});

describe('Express (a real loopback server)', () => {
  const store = memoryInboxStore();
  const app = express();
  app.post('/stripe', inboxMiddleware(createInbox({ store, providers, handlers: {} }), 'stripe'));
  app.post(
    '/down',
    inboxMiddleware(
      createInbox({ store: failing(store, new Set(['insert'])), providers, handlers: {} }),
      'stripe',
    ),
  );
  const rejected: unknown[] = [];
  app.post(
    '/reported',
    inboxMiddleware(
      createInbox({ store, providers, handlers: {}, onRejected: (e) => rejected.push(e) }),
      'stripe',
    ),
  );
  app.use(express.json());
  app.post('/parsed', inboxMiddleware(createInbox({ store, providers, handlers: {} }), 'stripe'));
  const server = app.listen(0, '127.0.0.1');
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const send = async (path: string, body: string, secret = STRIPE_SECRET) => {
    await new Promise((resolve) =>
      server.listening ? resolve(undefined) : server.once('listening', resolve),
    );
    const { port } = server.address() as AddressInfo;
    const signed = await signWebhook({ provider: 'stripe', secret, body });
    return fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { ...signed.headers, 'content-type': 'application/json' },
      body,
    });
  };

  it('stores a delivery before answering 200, and a redelivery is a duplicate', async () => {
    const first = await send('/stripe', stripeEvent('evt_e'));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true });
    expect((await store.get('stripe:evt_e'))?.type).toBe('invoice.paid');
    expect(await (await send('/stripe', stripeEvent('evt_e'))).json()).toEqual({
      received: true,
      duplicate: true,
    });
  });

  it("answers a forged delivery with the verifier's problem, and a store failure with 503", async () => {
    const forged = await send('/stripe', stripeEvent('evt_f'), 'whsec_other');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
    const down = await send('/down', stripeEvent('evt_d'));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(await store.get('stripe:evt_d')).toBeUndefined();
  });

  it('reports a refused delivery through onRejected, as the Fetch receiver does', async () => {
    const forged = await send('/reported', stripeEvent('evt_r'), 'whsec_other');
    expect(forged.status).toBe(401);
    expect(rejected).toEqual([{ provider: 'stripe', code: 'NO_MATCHING_SIGNATURE', status: 401 }]);
  });

  it('explains the raw-body rule when express.json() ran first', async () => {
    const parsed = await send('/parsed', stripeEvent('evt_p'));
    expect(parsed.status).toBe(400);
    expect(await parsed.json()).toMatchObject({ code: 'BODY_ALREADY_PARSED' });
  });
});

describe('Express errors', () => {
  it('throws bad verifier options at construction', () => {
    const bad = createInbox({
      store: memoryInboxStore(),
      providers: { stripe: { secret: STRIPE_SECRET, toleranceSec: -1 } },
      handlers: {},
    });
    expect(() => inboxMiddleware(bad, 'stripe')).toThrow(
      expect.objectContaining({ code: 'INVALID_WEBHOOK_OPTIONS' }),
    );
  });

  it('passes a request stream failure (client gone mid-body) to next()', async () => {
    const app = express();
    const inbox = createInbox({ store: memoryInboxStore(), providers, handlers: {} });
    let caught: (error: unknown) => void;
    const failure = new Promise<unknown>((resolve) => {
      caught = resolve;
    });
    app.post('/x', inboxMiddleware(inbox, 'stripe'));
    app.use(
      (
        error: unknown,
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        caught(error);
        res.end();
      },
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/x',
      headers: { 'content-length': '1000', 'stripe-signature': 't=1,v1=00' },
    });
    request.on('error', () => {});
    request.write('{"partial":');
    setTimeout(() => request.destroy(), 20);
    expect(await failure).toBeInstanceOf(Error);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
