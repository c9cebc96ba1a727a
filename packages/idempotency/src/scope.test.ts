import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { idempotency as expressIdempotency } from './express.js';
import { idempotency as honoIdempotency } from './hono.js';
import { credentialScope, DEFAULT_CREDENTIAL_HEADERS, memoryStore } from './index.js';
import type { IdempotencyOptions } from './options.js';
import { createIdempotency } from './web.js';

type Send = (headers: Record<string, string>) => Promise<Response>;
type Form = (
  options: Omit<IdempotencyOptions<never>, 'store'>,
) => Promise<{ send: Send; runs: () => number }>;

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

function request(headers: Record<string, string>): Request {
  return new Request('http://localhost/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': '"same-key"', ...headers },
    body: '{"sku":"A1"}',
  });
}

const forms: Array<[string, Form]> = [
  [
    'fetch',
    async (options) => {
      let runs = 0;
      const idem = createIdempotency({
        ...options,
        store: memoryStore(),
      } as IdempotencyOptions<Request>);
      return {
        send: (headers) =>
          idem.handle(request(headers), () => {
            runs += 1;
            return Response.json({ order: runs }, { status: 201 });
          }),
        runs: () => runs,
      };
    },
  ],
  [
    'hono',
    async (options) => {
      let runs = 0;
      const app = new Hono();
      app.use('/orders', honoIdempotency({ ...options, store: memoryStore() } as never));
      app.post('/orders', (c) => {
        runs += 1;
        return c.json({ order: runs }, 201);
      });
      return { send: async (headers) => app.request(request(headers)), runs: () => runs };
    },
  ],
  [
    'express',
    async (options) => {
      let runs = 0;
      const app = express();
      app.use('/orders', expressIdempotency({ ...options, store: memoryStore() } as never));
      app.post('/orders', (_req, res) => {
        runs += 1;
        res.status(201).json({ order: runs });
      });
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      closers.push(() => new Promise((resolve) => server.close(() => resolve())));
      const { port } = server.address() as AddressInfo;
      return {
        send: (headers) => {
          const r = request(headers);
          return fetch(`http://127.0.0.1:${port}/orders`, {
            method: 'POST',
            headers: r.headers,
            body: '{"sku":"A1"}',
          });
        },
        runs: () => runs,
      };
    },
  ],
];

describe.each(forms)('%s: the default scope separates callers', (_name, form) => {
  it('tenant B never receives tenant A’s response for the same key; A’s retry is replayed', async () => {
    const { send, runs } = await form({});
    const a = await send({ authorization: 'Bearer sk_tenant_A' });
    expect(a.status).toBe(201);
    expect(await a.json()).toEqual({ order: 1 });
    const b = await send({ authorization: 'Bearer sk_tenant_B' });
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(await b.json()).toEqual({ order: 2 });
    const retry = await send({ authorization: 'Bearer sk_tenant_A' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual({ order: 1 });
    // An API key header and a session cookie are credentials too.
    expect(await (await send({ 'x-api-key': 'key-C' })).json()).toEqual({ order: 3 });
    expect(await (await send({ cookie: 'session=D' })).json()).toEqual({ order: 4 });
    expect(await (await send({ cookie: 'session=D' })).json()).toEqual({ order: 4 });
    // Callers without credentials share the anonymous scope.
    expect(await (await send({})).json()).toEqual({ order: 5 });
    expect(await (await send({})).json()).toEqual({ order: 5 });
    expect(runs()).toBe(5);
  });

  it('scope: false opts out explicitly: one scope for every caller', async () => {
    const { send, runs } = await form({ scope: false });
    await send({ authorization: 'Bearer sk_tenant_A' });
    const b = await send({ authorization: 'Bearer sk_tenant_B' });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(runs()).toBe(1);
  });
});

describe('credentialScope', () => {
  const base = { method: 'POST', path: '/o', search: '', body: new Uint8Array(), raw: undefined };

  it('hashes the credential headers present; never contains them; anonymous without', async () => {
    expect(DEFAULT_CREDENTIAL_HEADERS).toEqual(['authorization', 'x-api-key', 'cookie']);
    const headers: Record<string, string> = { authorization: 'Bearer sk_live_SECRET' };
    const scope = await credentialScope({ ...base, header: (n) => headers[n] });
    expect(scope).toMatch(/^cred:[A-Za-z0-9_-]{43}$/);
    expect(scope).not.toContain('SECRET');
    expect(await credentialScope({ ...base, header: (n) => headers[n] })).toBe(scope);
    expect(await credentialScope({ ...base, header: () => undefined })).toBe('anonymous');
    expect(await credentialScope({ ...base, header: () => '' })).toBe('anonymous');
    expect(await credentialScope(base)).toBe('anonymous');
    // Moving a value to another header is another credential.
    const moved = await credentialScope({
      ...base,
      header: (n) => (n === 'x-api-key' ? 'Bearer sk_live_SECRET' : undefined),
    });
    expect(moved).not.toBe(scope);
  });

  it('rejects a scope that is neither a function nor false', () => {
    expect(() => createIdempotency({ store: memoryStore(), scope: true as never })).toThrow(
      /`scope`/,
    );
  });
});
