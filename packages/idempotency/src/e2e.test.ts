import type { AddressInfo } from 'node:net';
import { type HttpBindings, type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import ky from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { withIdempotency } from './fetch.js';
import { idempotency } from './hono.js';
import { parseIdempotencyKey } from './key.js';
import { idempotencyHooks } from './ky.js';
import { memoryStore } from './memory-store.js';

interface Order {
  id: string;
  key: string;
  sku: string;
}

const servers: ServerType[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

async function listen(
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>,
) {
  const info = await new Promise<AddressInfo>((resolve) => {
    servers.push(serve({ fetch: fetch as never, port: 0, hostname: '127.0.0.1' }, resolve));
  });
  return `http://127.0.0.1:${info.port}/`;
}

/** Deterministic "random" for the drop decision (xorshift32). */
function seeded(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * A create-order service behind the Hono middleware. `drop(request)` decides, after the
 * middleware committed the result, whether to destroy the connection instead of answering.
 */
function orderService(drop: () => boolean) {
  const ledger: Order[] = [];
  const app = new Hono<{ Bindings: HttpBindings }>();
  let dropped = 0;
  let replays = 0;
  app.use('/orders', async (c, next) => {
    await next();
    if (c.res.headers.get('idempotent-replayed') === 'true') replays += 1;
    if (drop()) {
      dropped += 1;
      c.env.incoming.socket.destroy();
    }
  });
  app.use('/orders', idempotency({ store: memoryStore({ maxEntries: 1000 }), required: true }));
  app.post('/orders', async (c) => {
    const { sku } = await c.req.json<{ sku: string }>();
    const parsed = parseIdempotencyKey(c.req.header('idempotency-key'));
    const order = { id: `ord_${ledger.length + 1}`, key: parsed.ok ? parsed.key : '', sku };
    ledger.push(order);
    return c.json(order, 201);
  });
  return { app, ledger, stats: () => ({ dropped, replays }) };
}

function client(base: string, limit: number) {
  return ky.create({
    prefix: base,
    retry: { limit, methods: ['post'], delay: () => 5 },
    timeout: 5_000,
    hooks: idempotencyHooks(),
  });
}

describe('end to end: ky + idempotencyHooks + retry against the middleware', () => {
  it('a response dropped after commit is retried and replayed; one order in the ledger', async () => {
    let attempts = 0;
    const service = orderService(() => ++attempts === 1);
    const base = await listen(service.app.fetch);
    const seenReplayed: string[] = [];
    const api = client(base, 2).extend({
      hooks: {
        afterResponse: [
          ({ response }: { response: Response }) =>
            void seenReplayed.push(response.headers.get('idempotent-replayed') ?? ''),
        ],
      },
    });
    const order = await api.post('orders', { json: { sku: 'A1' } }).json<Order>();
    expect(attempts).toBe(2);
    expect(seenReplayed).toEqual(['true']);
    expect(service.ledger).toEqual([order]);
    expect(service.stats()).toEqual({ dropped: 1, replays: 1 });
  });

  it('50 concurrent clients with 30% of responses dropped after commit: orders == distinct keys', async () => {
    const random = seeded(0x5eed);
    const service = orderService(() => random() < 0.3);
    const base = await listen(service.app.fetch);
    const api = client(base, 10);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.post('orders', { json: { sku: `sku-${i}` } }).json<Order>(),
      ),
    );
    const keys = new Set(service.ledger.map((o) => o.key));
    expect(service.ledger).toHaveLength(50);
    expect(keys.size).toBe(50);
    // Every client got the order made for its own request, whether first-hand or replayed.
    for (const [i, result] of results.entries()) {
      expect(result.sku).toBe(`sku-${i}`);
      expect(service.ledger.find((o) => o.id === result.id)?.key).toBe(result.key);
    }
    const { dropped, replays } = service.stats();
    expect(dropped).toBeGreaterThan(5);
    expect(replays).toBeGreaterThan(0);
  });

  it('works the same through the ./fetch adapter on a plain fetch-style server', async () => {
    const ledger: string[] = [];
    const handler = withIdempotency(
      async (request) => {
        ledger.push(await request.text());
        return Response.json({ n: ledger.length }, { status: 201 });
      },
      { store: memoryStore(), required: true },
    );
    let attempts = 0;
    const base = await listen(async (request, env) => {
      const response = await handler(request);
      if (++attempts === 1) env.incoming.socket.destroy();
      return response;
    });
    const result = await client(base, 2)
      .post('orders', { json: { sku: 'A1' } })
      .json();
    expect(result).toEqual({ n: 1 });
    expect(ledger).toEqual(['{"sku":"A1"}']);
    expect(attempts).toBe(2);
  });
});
