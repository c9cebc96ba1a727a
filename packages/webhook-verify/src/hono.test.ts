import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { fixtureStore } from './dedupe-store.fixture.js';
import { type WebhookVariables, webhookMiddleware } from './hono.js';
import { signWebhook } from './index.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = '{"type":"invoice.paid"}';

async function request(id = 'msg_1', payload = body) {
  const signed = await signWebhook({ provider: 'standard-webhooks', secret, body: payload, id });
  return new Request('http://x.test/hook', {
    method: 'POST',
    body: payload,
    headers: signed.headers,
  });
}

describe('./hono webhookMiddleware', () => {
  it('verifies before the handler, exposes c.get("webhook") and keeps c.req.json() working', async () => {
    const app = new Hono<{ Variables: WebhookVariables }>();
    const seen = vi.fn();
    app.post('/hook', webhookMiddleware({ provider: 'standard-webhooks', secret }), async (c) => {
      seen(c.get('webhook').id, await c.req.json());
      return c.body(null, 202);
    });
    expect((await app.request(await request())).status).toBe(202);
    expect(seen).toHaveBeenCalledWith('msg_1', { type: 'invoice.paid' });
    const bad = await app.request(
      new Request('http://x.test/hook', {
        method: 'POST',
        body,
        headers: {
          'webhook-id': 'x',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}`,
        },
      }),
    );
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ code: 'NO_MATCHING_SIGNATURE' });
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('refuses a body another middleware parsed; uses one read as arrayBuffer', async () => {
    const app = new Hono();
    app.post(
      '/parsed',
      async (c, next) => {
        await c.req.json();
        await next();
      },
      webhookMiddleware({ provider: 'standard-webhooks', secret }),
      (c) => c.body(null, 200),
    );
    app.post(
      '/buffered',
      async (c, next) => {
        await c.req.arrayBuffer();
        await next();
      },
      webhookMiddleware({ provider: 'standard-webhooks', secret }),
      (c) => c.body(null, 204),
    );
    const parsed = await app.request(new Request('http://x.test/parsed', await request()));
    expect(parsed.status).toBe(400);
    expect(await parsed.json()).toMatchObject({ code: 'BODY_ALREADY_PARSED' });
    expect((await app.request(new Request('http://x.test/buffered', await request()))).status).toBe(
      204,
    );
  });

  it('dedupe: duplicates skip the handler, failures release, 409 while in progress', async () => {
    const store = fixtureStore();
    const app = new Hono();
    let calls = 0;
    app.post(
      '/hook',
      webhookMiddleware({ provider: 'standard-webhooks', secret, dedupe: store }),
      (c) => {
        calls++;
        if (c.req.header('x-fail') === 'throw') throw new Error('boom');
        if (c.req.header('x-fail') === '500') return c.body(null, 500);
        return c.body(null, 200);
      },
    );
    app.onError((_e, c) => c.body(null, 500));
    const send = async (fail?: string) => {
      const r = await request('msg_dup');
      if (fail) r.headers.set('x-fail', fail);
      return app.request(r);
    };
    expect((await send('throw')).status).toBe(500);
    expect((await send('500')).status).toBe(500);
    expect(store.records.size).toBe(0);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(calls).toBe(3);
    store.records.set('webhook:standard-webhooks|msg_busy', { state: 'in-progress', token: 'z' });
    const busy = await app.request(await request('msg_busy'));
    expect(busy.status).toBe(409);
  });

  it('a next() that throws releases the claim', async () => {
    const store = fixtureStore();
    const mw = webhookMiddleware({ provider: 'standard-webhooks', secret, dedupe: store });
    const app = new Hono();
    app.post('/hook', async (c) => {
      try {
        return await mw(c as never, async () => {
          throw new Error('thrown through');
        });
      } catch {
        return c.body(null, 500);
      }
    });
    expect((await app.request(await request('msg_t'))).status).toBe(500);
    expect(store.calls).toEqual(['begin msg_t', 'release msg_t']);
  });

  it('unexpected errors are not swallowed', async () => {
    const app = new Hono();
    app.post(
      '/hook',
      webhookMiddleware({
        provider: 'standard-webhooks',
        secret,
        dedupe: {
          store: fixtureStore(),
          key: () => {
            throw new Error('key bug');
          },
        },
      }),
      (c) => c.body(null, 200),
    );
    app.onError((e, c) => c.text(e.message, 500));
    const res = await app.request(await request());
    expect(await res.text()).toBe('key bug');
    const throwing = new Hono();
    throwing.post(
      '/hook',
      webhookMiddleware({
        provider: {
          ...(await import('./index.js')).github,
          extract: () => {
            throw new Error('bug');
          },
        } as never,
        secret: 'x',
      }),
      (c) => c.body(null, 200),
    );
    throwing.onError((e, c) => c.text(e.message, 500));
    expect(await (await throwing.request(await request())).text()).toBe('bug');
  });
});
