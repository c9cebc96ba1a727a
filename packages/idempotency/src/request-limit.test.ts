import { once } from 'node:events';
import { type AddressInfo, createConnection } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { idempotency as expressIdempotency, keepRawBody } from './express.js';
import { idempotency as honoIdempotency } from './hono.js';
import { createIdempotency, DEFAULT_MAX_REQUEST_BYTES, memoryStore } from './index.js';
import { track } from './servers.fixture.js';

const LIMIT = 64;
const headers = (key: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'idempotency-key': `"${key}"`,
  ...extra,
});

/** A body stream of `chunks` chunks of `size` bytes, recording whether it was cancelled. */
function chunked(chunks: number, size: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) return controller.close();
      state.pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(97));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function problem(response: Response) {
  expect(response.status).toBe(413);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { code: string; status: number; title: string };
}

describe('maxRequestBytes (fetch form)', () => {
  const setup = () => {
    const store = memoryStore();
    let runs = 0;
    const idem = createIdempotency({ store, scope: false, maxRequestBytes: LIMIT });
    const handler = async (r: Request) => {
      runs += 1;
      return new Response(await r.text(), { status: 201 });
    };
    return { idem, handler, store, runs: () => runs };
  };

  it('answers 413 to a declared Content-Length over the limit, before reading, claiming or running', async () => {
    const { idem, handler, store, runs } = setup();
    const { stream, state } = chunked(4, 100);
    const request = new Request('http://api.test/orders', {
      method: 'POST',
      headers: headers('k1', { 'content-length': '400' }),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const body = await problem(await idem.handle(request, handler));
    expect(body).toMatchObject({
      code: 'IDEMPOTENCY_REQUEST_TOO_LARGE',
      status: 413,
      title: 'Content Too Large',
    });
    expect(state.cancelled).toBe(true);
    expect(runs()).toBe(0);
    expect(store.size).toBe(0);
  });

  it('answers 413 once a body without a length grows past the limit, and stops reading it', async () => {
    const { idem, handler, store, runs } = setup();
    for (const [chunks, size] of [
      [1, LIMIT + 1], // one chunk over
      [100, 30], // many chunks: stops at the third
    ] as const) {
      const { stream, state } = chunked(chunks, size);
      const request = new Request('http://api.test/orders', {
        method: 'POST',
        headers: headers(`k-${chunks}`),
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect((await problem(await idem.handle(request, handler))).code).toBe(
        'IDEMPOTENCY_REQUEST_TOO_LARGE',
      );
      expect(state.cancelled).toBe(true);
      expect(state.pulled).toBeLessThanOrEqual(4);
    }
    expect(runs()).toBe(0);
    expect(store.size).toBe(0);
  });

  it('runs a body of exactly the limit, in one chunk or several', async () => {
    const { idem, handler, runs } = setup();
    const one = new Request('http://api.test/orders', {
      method: 'POST',
      headers: headers('k-one'),
      body: 'a'.repeat(LIMIT),
    });
    expect((await idem.handle(one, handler)).status).toBe(201);
    const { stream } = chunked(4, LIMIT / 4);
    const several = new Request('http://api.test/orders', {
      method: 'POST',
      headers: headers('k-several'),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const response = await idem.handle(several, handler);
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('a'.repeat(LIMIT));
    expect(runs()).toBe(2);
  });

  it('defaults to 1 MiB and refuses a bad option', () => {
    expect(DEFAULT_MAX_REQUEST_BYTES).toBe(1_048_576);
    expect(() => createIdempotency({ store: memoryStore(), maxRequestBytes: -1 })).toThrow(
      /`maxRequestBytes`/,
    );
    expect(() => createIdempotency({ store: memoryStore(), maxRequestBytes: 1.5 })).toThrow(
      /`maxRequestBytes`/,
    );
  });
});

describe('maxRequestBytes (Hono form)', () => {
  it('answers 413 to a declared or read length over the limit; runs one within it', async () => {
    let runs = 0;
    const app = new Hono();
    app.use('*', honoIdempotency({ store: memoryStore(), scope: false, maxRequestBytes: LIMIT }));
    app.post('/orders', async (c) => {
      runs += 1;
      return c.json(await c.req.json(), 201);
    });
    const declared = await app.request('/orders', {
      method: 'POST',
      headers: headers('h1', { 'content-length': String(LIMIT + 1) }),
      body: JSON.stringify({ a: 'x'.repeat(LIMIT) }),
    });
    expect((await problem(declared)).code).toBe('IDEMPOTENCY_REQUEST_TOO_LARGE');
    const { stream } = chunked(3, LIMIT);
    const read = await app.request('/orders', {
      method: 'POST',
      headers: headers('h2'),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect((await problem(read)).code).toBe('IDEMPOTENCY_REQUEST_TOO_LARGE');
    expect(runs).toBe(0);
    const fits = await app.request('/orders', {
      method: 'POST',
      headers: headers('h3'),
      body: '{"a":1}',
    });
    expect(fits.status).toBe(201);
    expect(runs).toBe(1);
  });
});

describe('maxRequestBytes (Express form)', () => {
  async function start(parse: boolean) {
    let runs = 0;
    const app = express();
    if (parse) app.use(express.json({ verify: keepRawBody, limit: '1mb' }));
    app.use(expressIdempotency({ store: memoryStore(), scope: false, maxRequestBytes: LIMIT }));
    app.post('/orders', (_req, res) => {
      runs += 1;
      res.status(201).json({ ok: true });
    });
    const server = track(app.listen(0, '127.0.0.1'));
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, runs: () => runs };
  }

  it('answers 413 to a parsed body (rawBody) and to a streamed one over the limit; runs one within it', async () => {
    for (const parse of [true, false]) {
      const { port, runs } = await start(parse);
      const base = `http://127.0.0.1:${port}`;
      const big = JSON.stringify({ a: 'x'.repeat(LIMIT) });
      const declared = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: headers(`e-${parse}`),
        body: big,
      });
      expect((await problem(declared)).code).toBe('IDEMPOTENCY_REQUEST_TOO_LARGE');
      const fits = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: headers(`f-${parse}`),
        body: '{"a":1}',
      });
      expect(fits.status).toBe(201);
      expect(runs()).toBe(1);
    }
  });

  it('counts a chunked body (no Content-Length) as it arrives', async () => {
    const { port, runs } = await start(false);
    const socket = createConnection(port, '127.0.0.1');
    await once(socket, 'connect');
    const chunk = 'x'.repeat(40);
    socket.write(
      `POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nIdempotency-Key: "c1"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
    );
    for (let i = 0; i < 3; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.end('0\r\n\r\n');
    let raw = '';
    socket.on('data', (d: Buffer) => {
      raw += d.toString('utf8');
    });
    await once(socket, 'close');
    expect(raw.startsWith('HTTP/1.1 413')).toBe(true);
    expect(raw).toContain('IDEMPOTENCY_REQUEST_TOO_LARGE');
    expect(runs()).toBe(0);
  });
});
