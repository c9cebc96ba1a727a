import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TimeoutError } from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { createFetch } from './fetch.js';
import { DEFAULT_QUEUE_WAIT_MS, defineIntegration } from './index.js';
import { instantClock, type Loopback, loopback } from './test-utils/server.js';

let server: Loopback | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (raw) {
    raw.closeAllConnections();
    await new Promise((resolve) => raw?.close(resolve));
    raw = undefined;
  }
});

// 8 calls a second (smooth pacing: one start per (1000 + 50) / 8 ≈ 131 ms), 16 calls at once:
// the last one waits ≈ 2 s in the limiter's queue, far longer than the 400 ms attempt timeout.
// The server answers at once, so no attempt may time out once it is sent.
const CALLS = 16;
const limited = (url: string) => ({
  name: 'queue',
  baseUrl: `${url}v1/`,
  warn: false as const,
  rateLimit: { policies: [{ limit: 8, intervalMs: 1000 }] },
  timeoutMs: 400,
});

const timeouts = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r) => r.status === 'rejected' && (r.reason as Error).name === 'TimeoutError')
    .length;

describe("the limiter's queue does not count against the per-attempt timeout", () => {
  it('ky form: 16 calls queued at 8/s with a 400 ms timeout all succeed; the breaker stays closed', async () => {
    server = await loopback({ 'GET /v1/item': () => ({ body: { ok: true } }) });
    const api = defineIntegration(limited(server.url));
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, () => api.get('item').json()),
    );
    const elapsed = performance.now() - started;
    expect(timeouts(results)).toBe(0);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(server.count('GET /v1/item')).toBe(CALLS);
    // The queue really held calls for longer than the timeout (≈ 15 spacings of 131 ms).
    expect(elapsed).toBeGreaterThan(1500);
    expect(api.stats().breaker).toBe('closed');
  });

  it('fetch form: the same 16 calls all succeed', async () => {
    server = await loopback({ 'GET /v1/item': () => ({ body: { ok: true } }) });
    const f = createFetch(limited(server.url));
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, async () => (await f('item')).json()),
    );
    expect(timeouts(results)).toBe(0);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(server.count('GET /v1/item')).toBe(CALLS);
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(f.stats().breaker).toBe('closed');
  });
});

describe('the attempt timeout once sent', () => {
  it("ky form: a slow answer is ky's TimeoutError, retried with retryOnTimeout, without the credential", async () => {
    server = await loopback({
      'GET /v1/slow': () => new Promise((resolve) => setTimeout(() => resolve({ body: {} }), 1500)),
    });
    const api = defineIntegration({
      name: 'slow',
      baseUrl: `${server.url}v1/`,
      warn: false,
      clock: instantClock(),
      auth: { token: 'sekret-token' },
      timeoutMs: 100,
      retry: { attempts: 2, retryOnTimeout: true },
    });
    const error = await api.get('slow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).request.url).toBe(`${server.url}v1/slow`);
    expect((error as Error).message).not.toContain('sekret');
    expect((error as TimeoutError).request.headers.get('authorization')).toBeNull();
    expect(server.count('GET /v1/slow')).toBe(2);
    expect(server.seen[0]?.headers.authorization).toBe('Bearer sekret-token');
  });

  it('ky form: a per-call timeout replaces timeoutMs, and timeout: false turns it off', async () => {
    server = await loopback({
      'GET /v1/slow': () => new Promise((resolve) => setTimeout(() => resolve({ body: {} }), 300)),
    });
    const api = defineIntegration({
      name: 'per-call',
      baseUrl: `${server.url}v1/`,
      warn: false,
      timeoutMs: 100,
      retry: false,
    });
    await expect(api.get('slow').json()).rejects.toBeInstanceOf(TimeoutError);
    expect(await api.get('slow', { timeout: 5000 }).json()).toEqual({});
    expect(await api.get('slow', { timeout: false }).json()).toEqual({});
    expect(await api.get('slow', { timeout: undefined }).json()).toEqual({});
  });

  it("ky form: a body that stalls after the headers is ky's TimeoutError after another timeoutMs", async () => {
    raw = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":'); // and never the rest
    });
    await new Promise<void>((resolve) => raw?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`;
    const api = defineIntegration({
      name: 'stall',
      baseUrl: url,
      warn: false,
      timeoutMs: 150,
      retry: false,
    });
    await expect(api.get('x').json()).rejects.toBeInstanceOf(TimeoutError);
    // Read from the response itself (no ky shortcut, which ky alone bounded), it ends too.
    const response = await api.get('x');
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toBeInstanceOf(TimeoutError);
  });

  it("ky form: a cache revalidation that times out is ky's TimeoutError too, naming ky's request", async () => {
    server = await loopback({
      'GET /v1/tagged': (_s, n) =>
        n === 1
          ? { headers: { 'cache-control': 'max-age=1', etag: '"v1"' }, body: { v: 1 } }
          : new Promise((resolve) => setTimeout(() => resolve({ status: 304 }), 1500)),
    });
    const clock = instantClock();
    const api = defineIntegration({
      name: 'revalidate',
      baseUrl: `${server.url}v1/`,
      warn: false,
      clock,
      cache: {},
      timeoutMs: 100,
      retry: false,
    });
    expect(await api.get('tagged').json()).toEqual({ v: 1 });
    await clock.sleep(5_000);
    const error = await api.get('tagged').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).request.url).toBe(`${server.url}v1/tagged`);
    expect(server.seen[1]?.headers['if-none-match']).toBe('"v1"');
  });

  it('ky form: a fetch that ignores the abort still times out; its late answer is released', async () => {
    let cancelled = false;
    const api = defineIntegration({
      name: 'deaf',
      baseUrl: 'https://deaf.example/',
      warn: false,
      timeoutMs: 50,
      retry: false,
      fetch: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            const body = new ReadableStream({
              cancel: () => {
                cancelled = true;
              },
            });
            resolve(new Response(body));
          }, 150),
        ),
    });
    await expect(api.get('x')).rejects.toBeInstanceOf(TimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cancelled).toBe(true);
  });

  it('fetch form: a slow answer is still a TimeoutError', async () => {
    server = await loopback({
      'GET /v1/slow': () => new Promise((resolve) => setTimeout(() => resolve({ body: {} }), 1500)),
    });
    const f = createFetch({
      name: 'slow',
      baseUrl: `${server.url}v1/`,
      warn: false,
      timeoutMs: 100,
      retry: false,
    });
    await expect(f('slow')).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('the wait in the queue is bounded by the limiter', () => {
  it('by maxWaitMs: RateLimitWaitTimeoutError, not a timeout, and not a breaker failure', async () => {
    server = await loopback({ 'GET /v1/item': () => ({ body: {} }) });
    const api = defineIntegration({
      name: 'bounded',
      baseUrl: `${server.url}v1/`,
      warn: false,
      rateLimit: { policies: [{ limit: 1, intervalMs: 60_000 }], maxWaitMs: 50 },
      breaker: { consecutiveFailures: 1 },
    });
    await api.get('item');
    await expect(api.get('item')).rejects.toMatchObject({ code: 'RATE_LIMIT_WAIT_TIMEOUT' });
    expect(server.count('GET /v1/item')).toBe(1);
    expect(api.stats().breaker).toBe('closed');
  });

  it(`by DEFAULT_QUEUE_WAIT_MS (${DEFAULT_QUEUE_WAIT_MS} ms) when the limiter is the client's`, async () => {
    server = await loopback({ 'GET /v1/item': () => ({ body: {} }) });
    const clock = instantClock();
    const f = createFetch({
      name: 'default-bound',
      baseUrl: `${server.url}v1/`,
      warn: false,
      clock,
      rateLimit: { policies: [{ limit: 1, intervalMs: 3_600_000 }] },
    });
    await f('item');
    const before = clock.now();
    await expect(f('item')).rejects.toMatchObject({ code: 'RATE_LIMIT_WAIT_TIMEOUT' });
    expect(clock.now() - before).toBeGreaterThanOrEqual(DEFAULT_QUEUE_WAIT_MS);
    expect(clock.now() - before).toBeLessThan(3_600_000);
    expect(server.count('GET /v1/item')).toBe(1);
  });
});
