import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@brace/core';
import express from 'express';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { type ExpressLikeRequest, idempotency, keepRawBody } from './express.js';
import { idempotencyHooks } from './ky.js';
import { memoryStore } from './memory-store.js';
import type { IdempotencyOptions } from './options.js';
import { track } from './servers.fixture.js';

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  track(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Mode = 'verify' | 'raw' | 'none' | 'parsed-without-raw';

function orderApp(mode: Mode, options: Partial<IdempotencyOptions<ExpressLikeRequest>> = {}) {
  const ledger: unknown[] = [];
  const app = express();
  if (mode === 'verify') app.use(express.json({ verify: keepRawBody }));
  if (mode === 'raw') app.use(express.raw({ type: '*/*' }));
  if (mode === 'parsed-without-raw') app.use(express.json());
  app.use(idempotency({ store: memoryStore(), ...options }));
  if (mode === 'none') app.use(express.json());
  app.post('/orders', (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : req.body;
    ledger.push(body);
    res.set('x-private', 'no');
    res.status(201).json({ n: ledger.length, body });
  });
  app.post('/chunked', (_req, res) => {
    ledger.push('chunked');
    res.status(200).type('text/plain');
    res.write('part1,');
    res.write(Buffer.from('part2,'));
    res.end('part3', 'utf8');
  });
  app.post('/fail', () => {
    ledger.push('fail');
    throw new Error('handler failed');
  });
  app.post('/sse', (_req, res) => {
    ledger.push('sse');
    res.type('text/event-stream');
    res.write('data: 1\n\n');
    res.end();
  });
  app.post('/big', (_req, res) => {
    ledger.push('big');
    res.type('text/plain');
    res.write('a'.repeat(50));
    res.end('b'.repeat(50));
  });
  app.post('/cookies', (_req, res) => {
    ledger.push('cookies');
    res.append('set-cookie', ['a=1', 'b=2']);
    res.append('link', ['</a>; rel=a', '</b>; rel=b']);
    res.status(200).send('ok');
  });
  app.post('/empty', (_req, res) => {
    ledger.push('empty');
    res.status(204).end();
  });
  app.post('/hang-up', (req) => {
    ledger.push('hang-up');
    req.socket.destroy();
  });
  app.post('/partial', (_req, res) => {
    ledger.push('partial');
    res.status(200).type('text/plain');
    res.write('half a resp');
    throw new Error('failed mid-way');
  });
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: error.message });
    },
  );
  return { app, ledger };
}

const post = (base: string, path: string, key?: string, body = '{"sku":"A1"}') =>
  fetch(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
  });

describe('express idempotency middleware', () => {
  for (const mode of ['verify', 'raw', 'none'] as const) {
    it(`runs once and replays (body via ${mode})`, async () => {
      const { app, ledger } = orderApp(mode);
      const base = await listen(app);
      const first = await post(base, '/orders', '"k1"');
      expect(first.status).toBe(201);
      const firstBody = await first.json();
      const second = await post(base, '/orders', '"k1"');
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.headers.get('x-private')).toBeNull();
      expect(second.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await second.json()).toEqual(firstBody);
      const other = await post(base, '/orders', '"k1"', '{"sku":"B2"}');
      expect(other.status).toBe(422);
      expect(other.headers.get('content-type')).toBe('application/problem+json');
      expect(ledger).toHaveLength(1);
    });
  }

  it('reads the stream itself when no parser ran: req.body becomes the raw Buffer', async () => {
    const { app, ledger } = orderApp('none');
    const base = await listen(app);
    await post(base, '/orders', '"k"', '{"a":1}');
    expect(ledger).toEqual(['{"a":1}']);
  });

  it('fingerprints a chunked request body (no content-length)', async () => {
    const { app, ledger } = orderApp('none');
    const base = await listen(app);
    const chunked = (text: string) =>
      fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'idempotency-key': 'k' },
        body: new Blob([text]).stream(),
        duplex: 'half',
      } as RequestInit);
    expect((await chunked('{"a":1}')).status).toBe(201);
    expect((await chunked('{"a":1}')).headers.get('idempotent-replayed')).toBe('true');
    expect((await chunked('{"a":2}')).status).toBe(422);
    expect(ledger).toEqual(['{"a":1}']);
  });

  it('passes IdempotencyRawBodyError to next when a parser used the body up', async () => {
    const { app, ledger } = orderApp('parsed-without-raw');
    const base = await listen(app);
    const response = await post(base, '/orders', '"k"');
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toMatch(/verify: keepRawBody/);
    expect(ledger).toHaveLength(0);
  });

  it('handles bodiless requests, missing keys, bad keys and other methods', async () => {
    const { app, ledger } = orderApp('verify', { required: true });
    app.get('/orders', (_req, res) => res.json(ledger));
    const base = await listen(app);
    const noBody = await fetch(`${base}/empty`, {
      method: 'POST',
      headers: { 'idempotency-key': 'k' },
    });
    expect(noBody.status).toBe(204);
    const replay = await fetch(`${base}/empty`, {
      method: 'POST',
      headers: { 'idempotency-key': 'k' },
    });
    expect(replay.status).toBe(204);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await post(base, '/orders')).status).toBe(400);
    const bad = await post(base, '/orders', 'bad key');
    expect(await bad.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_INVALID', status: 400 });
    expect((await fetch(`${base}/orders`)).status).toBe(200);
    expect(ledger).toEqual(['empty']);
  });

  it('replays repeated allow-listed headers and never set-cookie', async () => {
    const { app, ledger } = orderApp('verify');
    const base = await listen(app);
    const first = await post(base, '/cookies', '"c"', '');
    expect(first.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const replay = await post(base, '/cookies', '"c"', '');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.getSetCookie()).toEqual([]);
    expect(replay.headers.get('link')).toBe('</a>; rel=a, </b>; rel=b');
    expect(await replay.text()).toBe('ok');
    expect(ledger).toEqual(['cookies']);
  });

  it('works on a plain node:http server too (no originalUrl)', async () => {
    const mw = idempotency({ store: memoryStore() });
    let runs = 0;
    const server = createServer((req, res) =>
      mw(req, res, () => {
        runs += 1;
        res.setHeader('content-type', 'text/plain');
        res.end(`run ${runs} ${req.url}`);
      }),
    );
    server.listen(0, '127.0.0.1');
    track(server);
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await (await post(base, '/x?q=1', 'k')).text()).toBe('run 1 /x?q=1');
    expect(await (await post(base, '/x?q=1', 'k')).text()).toBe('run 1 /x?q=1');
    expect(runs).toBe(1);
  });

  it('runs without a key when not required', async () => {
    const { app, ledger } = orderApp('verify');
    const base = await listen(app);
    await post(base, '/orders');
    await post(base, '/orders');
    expect(ledger).toHaveLength(2);
  });

  it('stores a response written in chunks and replays it whole', async () => {
    const { app, ledger } = orderApp('verify');
    const base = await listen(app);
    expect(await (await post(base, '/chunked', '"c"')).text()).toBe('part1,part2,part3');
    const replay = await post(base, '/chunked', '"c"');
    expect(await replay.text()).toBe('part1,part2,part3');
    expect(replay.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(ledger).toEqual(['chunked']);
  });

  it('releases the key on a handler error, an event stream, an oversized body', async () => {
    const { app, ledger } = orderApp('verify', { maxBodyBytes: 60 });
    const base = await listen(app);
    for (const path of ['/fail', '/sse', '/big']) {
      const first = await post(base, path, `"${path}"`);
      const second = await post(base, path, `"${path}"`);
      expect(second.status).toBe(first.status);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
      expect(await second.text()).toBe(await first.text());
    }
    expect(ledger).toEqual(['fail', 'fail', 'sse', 'sse', 'big', 'big']);
  });

  it('releases the key when the handler fails after a partial write (Express destroys the socket)', async () => {
    const { app, ledger } = orderApp('verify');
    const base = await listen(app);
    await expect(post(base, '/partial', '"p"').then((r) => r.text())).rejects.toThrow();
    await expect(post(base, '/partial', '"p"').then((r) => r.text())).rejects.toThrow();
    expect(ledger).toEqual(['partial', 'partial']);
  });

  it('keeps the claim of a handler that hangs up without answering until lockTtlMs, then takes over', async () => {
    const clock = manualClock({ now: 0 });
    const { app, ledger } = orderApp('verify', {
      store: memoryStore({ clock }),
      lockTtlMs: 5_000,
    });
    const base = await listen(app);
    await expect(post(base, '/hang-up', '"h"')).rejects.toThrow();
    const busy = await post(base, '/hang-up', '"h"');
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    await clock.advance(5_000);
    await expect(post(base, '/hang-up', '"h"')).rejects.toThrow();
    expect(ledger).toEqual(['hang-up', 'hang-up']);
  });

  it('end to end with ky: a response dropped after commit is replayed; one order', async () => {
    const { app, ledger } = orderApp('verify');
    let attempts = 0;
    const outer = express();
    // Drop the first response after the middleware committed it, before the client reads it.
    outer.use((req, res, next) => {
      if (++attempts !== 1) return next();
      const end = res.end.bind(res) as (...a: unknown[]) => unknown;
      res.end = ((...args: unknown[]) => {
        req.socket.destroy();
        return end(...args);
      }) as never;
      next();
    });
    outer.use(app);
    const base = await listen(outer);
    const api = ky.create({
      prefix: `${base}/`,
      retry: { limit: 2, methods: ['post'], delay: () => 5 },
      hooks: idempotencyHooks(),
    });
    const result = await api.post('orders', { json: { sku: 'Z9' } }).json();
    expect(result).toEqual({ n: 1, body: { sku: 'Z9' } });
    expect(attempts).toBe(2);
    expect(ledger).toHaveLength(1);
  });
});

describe('express idempotency middleware: hang-ups, writeHead, headers set earlier, Express 4 parsers', () => {
  it('a client that hangs up while the handler runs gets 409 on retry, then the replay; one order', async () => {
    const ledger: string[] = [];
    let commit!: () => void;
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    let closed!: () => void;
    const hungUp = new Promise<void>((r) => {
      closed = r;
    });
    const store = memoryStore();
    const complete = store.complete.bind(store);
    let stored!: () => void;
    const done = new Promise<void>((r) => {
      stored = r;
    });
    store.complete = async (...args) => {
      const owned = await complete(...args);
      stored();
      return owned;
    };
    const app = express();
    app.use(express.json({ verify: keepRawBody }));
    app.use(idempotency({ store }));
    app.post('/slow', async (_req, res) => {
      res.once('close', closed);
      ledger.push('order');
      if (ledger.length === 1) {
        started();
        await committed; // a slow commit
      }
      res.status(201).json({ n: ledger.length });
    });
    const base = await listen(app);
    const abort = new AbortController();
    const first = fetch(`${base}/slow`, {
      method: 'POST',
      body: '{"sku":"A1"}',
      headers: { 'content-type': 'application/json', 'idempotency-key': '"s"' },
      signal: abort.signal,
    }).catch((error: unknown) => error);
    await running;
    abort.abort(); // the client times out while the handler still works
    await first;
    await hungUp;
    const retry = await post(base, '/slow', '"s"');
    expect(retry.status).toBe(409);
    commit();
    await done;
    const later = await post(base, '/slow', '"s"');
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(ledger).toEqual(['order']);
  });

  it('sees headers given only to res.writeHead: replays them, and never stores an event stream', async () => {
    const mw = idempotency({ store: memoryStore() });
    let runs = 0;
    const server = createServer((req, res) =>
      mw(req, res, () => {
        runs += 1;
        if (req.url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(`data: ${runs}\n\n`);
          return;
        }
        if (req.url === '/flat') {
          res.setHeader('link', '</old>');
          res.writeHead(202, 'Taken', [
            'content-type',
            'text/plain',
            'link',
            '</a>',
            'link',
            '</b>',
          ]);
          res.end(`run ${runs}`);
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(`{"run":${runs}}`);
      }),
    );
    server.listen(0, '127.0.0.1');
    track(server);
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const first = await post(base, '/x', 'k');
    expect(first.headers.get('content-type')).toBe('application/json');
    const replay = await post(base, '/x', 'k');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('content-type')).toBe('application/json');
    expect(await replay.text()).toBe('{"run":1}');
    const flat = await post(base, '/flat', 'f');
    expect([flat.status, flat.statusText, flat.headers.get('link')]).toEqual([
      202,
      'Taken',
      '</a>, </b>',
    ]);
    const flatReplay = await post(base, '/flat', 'f');
    expect(flatReplay.headers.get('idempotent-replayed')).toBe('true');
    expect(flatReplay.headers.get('content-type')).toBe('text/plain');
    expect(flatReplay.headers.get('link')).toBe('</a>, </b>');
    await post(base, '/sse', 'e');
    const again = await post(base, '/sse', 'e');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(runs).toBe(4);
  });

  it('reads the stream when a parser set req.body = {} but skipped the type (body-parser 1.x)', async () => {
    const app = express();
    // What body-parser 1.x (Express 4) does for a content type it does not parse.
    app.use((req, _res, next) => {
      (req as { body?: unknown }).body ??= {};
      next();
    });
    app.use(idempotency({ store: memoryStore() }));
    const bodies: unknown[] = [];
    app.post('/t', (req, res) => {
      bodies.push(String(req.body));
      res.status(201).send('ok');
    });
    app.use(
      (error: Error, _req: express.Request, res: express.Response, _n: express.NextFunction) => {
        res.status(500).send(error.message);
      },
    );
    const base = await listen(app);
    const send = () =>
      fetch(`${base}/t`, {
        method: 'POST',
        body: 'hello',
        headers: { 'content-type': 'text/plain', 'idempotency-key': 'p3' },
      });
    expect((await send()).status).toBe(201);
    expect((await send()).headers.get('idempotent-replayed')).toBe('true');
    expect(bodies).toEqual(['hello']);
  });

  it('replay and problem headers replace what an earlier middleware set', async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-type', 'application/json; charset=utf-8');
      next();
    });
    app.use(express.json({ verify: keepRawBody }));
    app.use(idempotency({ store: memoryStore() }));
    app.post('/o', (_req, res) => {
      res.set('cache-control', 'private');
      res.status(201).type('text/plain').send('ok');
    });
    const base = await listen(app);
    await post(base, '/o', 'k');
    const replay = await post(base, '/o', 'k');
    expect(replay.headers.get('cache-control')).toBe('private');
    expect(replay.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const reused = await post(base, '/o', 'k', '{"other":1}');
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
  });
});
