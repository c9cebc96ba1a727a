import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixtureStore } from './dedupe-store.fixture.js';
import { webhookMiddleware } from './express.js';
import { signWebhook } from './index.js';

const secret = 'shop-secret';
const store = fixtureStore();
const handled: string[] = [];
const onReject = vi.fn();
let base = '';
let close: () => Promise<void>;

beforeAll(async () => {
  const app = express();
  const verify = webhookMiddleware({
    provider: 'shopify',
    secret,
    dedupe: store,
    maxBodyBytes: 1024,
    onReject,
  });
  app.post('/hooks/shopify', verify, (req, res) => {
    handled.push(res.locals.webhook.id);
    expect(Buffer.from(req.body).toString()).toBe(res.locals.webhook.body);
    if (req.get('x-fail') === '1') throw new Error('handler failed');
    res.sendStatus(202);
  });
  app.post(
    '/hooks/raw',
    express.raw({ type: '*/*' }),
    webhookMiddleware({ provider: 'shopify', secret }),
    (_req, res) => {
      res.sendStatus(204);
    },
  );
  app.post(
    '/hooks/parsed',
    express.json(),
    webhookMiddleware({ provider: 'shopify', secret }),
    (_req, res) => {
      res.sendStatus(200);
    },
  );
  app.post(
    '/hooks/consumed',
    (req, _res, next) => {
      req.on('end', () => next());
      req.resume();
    },
    webhookMiddleware({ provider: 'shopify', secret }),
    (_req, res) => {
      res.sendStatus(200);
    },
  );
  app.post(
    '/hooks/broken',
    webhookMiddleware({
      provider: 'shopify',
      secret,
      dedupe: {
        store: fixtureStore(),
        key: () => {
          throw new Error('key bug');
        },
      },
    }),
    (_req, res) => {
      res.sendStatus(200);
    },
  );
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(error.message);
    },
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await close();
});

async function post(
  path: string,
  id: string,
  body = '{"id":1}',
  extra: Record<string, string> = {},
) {
  const signed = await signWebhook({ provider: 'shopify', secret, body, id });
  return fetch(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...signed.headers, ...extra },
  });
}

describe('./express webhookMiddleware (real loopback server)', () => {
  it('reads the raw stream, verifies, then runs the handler', async () => {
    const res = await post('/hooks/shopify', 'w-1');
    expect(res.status).toBe(202);
    expect(handled).toContain('w-1');
  });

  it('refuses a bad signature with problem+json', async () => {
    const res = await post('/hooks/shopify', 'w-bad', '{"id":1}', {
      'x-shopify-hmac-sha256': Buffer.alloc(32).toString('base64'),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'NO_MATCHING_SIGNATURE', status: 401 });
    expect(onReject).toHaveBeenCalled();
  });

  it('refuses bodies over maxBodyBytes (Content-Length and streamed)', async () => {
    const big = `{"x":"${'a'.repeat(2000)}"}`;
    const res = await post('/hooks/shopify', 'w-big', big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    const signed = await signWebhook({ provider: 'shopify', secret, body: big, id: 'w-big2' });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await fetch(`${base}/hooks/shopify`, {
      method: 'POST',
      body: stream,
      headers: signed.headers,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('accepts a Buffer from express.raw(); refuses a body express.json() parsed or a consumed stream', async () => {
    expect((await post('/hooks/raw', 'w-raw')).status).toBe(204);
    const parsed = await post('/hooks/parsed', 'w-parsed');
    expect(parsed.status).toBe(400);
    const problem = (await parsed.json()) as { detail: string };
    expect(problem).toMatchObject({ code: 'BODY_ALREADY_PARSED' });
    expect(problem.detail).toMatch(/express\.json\(\)/);
    const consumed = await post('/hooks/consumed', 'w-consumed');
    expect(consumed.status).toBe(400);
    expect(await consumed.json()).toMatchObject({ code: 'BODY_ALREADY_PARSED' });
  });

  it('dedupe: a repeated id → 200 without the handler; a failing handler releases the id', async () => {
    const before = handled.length;
    expect((await post('/hooks/shopify', 'w-d', '{"id":2}', { 'x-fail': '1' })).status).toBe(500);
    await vi.waitFor(() => expect(store.calls).toContain('release w-d'));
    expect((await post('/hooks/shopify', 'w-d', '{"id":2}')).status).toBe(202);
    await vi.waitFor(() => expect(store.calls).toContain('complete w-d'));
    expect((await post('/hooks/shopify', 'w-d', '{"id":2}')).status).toBe(200);
    expect(handled.length - before).toBe(2);
    store.records.set('webhook:shopify|w-busy', { state: 'in-progress', token: 'z' });
    expect((await post('/hooks/shopify', 'w-busy')).status).toBe(409);
  });

  it('passes unexpected errors to next()', async () => {
    const res = await post('/hooks/broken', 'w-x');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('key bug');
  });
});
