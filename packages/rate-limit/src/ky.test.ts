import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeHooks } from '@brace/core';
import ky, { HTTPError, TimeoutError } from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import { rateLimitFetch, rateLimitHooks } from './ky.js';
import type { PauseEvent } from './types.js';

let server: Server;
let base: string;
let inFlight = 0;
let peak = 0;
const hits = new Map<string, number>();

function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  inFlight++;
  peak = Math.max(peak, inFlight);
  const end = (status: number, headers: Record<string, string> = {}, body = 'ok') => {
    inFlight--;
    res.writeHead(status, headers).end(body);
  };
  if (path === '/hang') {
    req.on('close', () => inFlight--);
    return;
  }
  if (path === '/slow') {
    setTimeout(() => end(200), 20);
    return;
  }
  if (path.startsWith('/flaky/')) {
    if ((hits.get(path) ?? 0) < 3) return end(503, { 'retry-after': '0' });
    return end(200);
  }
  if (path === '/429') return end(429, { 'retry-after': '1' });
  if (path === '/remaining0')
    return end(200, {
      'ratelimit-limit': '10',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '30',
    });
  if (path === '/destroy') {
    inFlight--;
    req.socket.destroy();
    return;
  }
  end(200);
}

beforeAll(async () => {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

describe('rateLimitHooks', () => {
  it('limits every attempt, retries included, and never exceeds the cap', async () => {
    const limiter = createRateLimiter({ concurrency: 2 });
    let dispatched = 0;
    const counted = createRateLimiter({ concurrency: 2, onDispatch: () => dispatched++ });
    const api = ky.create({
      prefix: base,
      hooks: composeHooks(rateLimitHooks(counted)),
      retry: { limit: 3, delay: () => 0 },
    });
    peak = 0;
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api.get(`flaky/${i}`).text()),
    );
    expect(responses).toEqual(Array(6).fill('ok'));
    expect(dispatched).toBe(18);
    expect(peak).toBeLessThanOrEqual(2);
    expect(counted.stats().running).toBe(0);
    const plain = ky.create({ prefix: base, hooks: rateLimitHooks(limiter) });
    peak = 0;
    await Promise.all(Array.from({ length: 8 }, () => plain.get('slow').text()));
    expect(peak).toBe(2);
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('releases on per-attempt timeouts, with and without retries', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const api = ky.create({ prefix: base, hooks: rateLimitHooks(limiter), timeout: 50 });
    await expect(api.get('hang', { retry: 0 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(
      api.get('hang', { retry: { limit: 1, retryOnTimeout: true, delay: () => 0 } }),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(limiter.stats().running).toBe(0);
    await expect(api.get('ok').text()).resolves.toBe('ok');
  });

  it('releases on totalTimeout while waiting in the queue and on user aborts', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const api = ky.create({ prefix: base, hooks: rateLimitHooks(limiter), retry: 0 });
    const controller = new AbortController();
    const hanging = api.get('hang', { signal: controller.signal });
    const waiting = api.get('ok', { timeout: 30 });
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
    expect(limiter.stats().queued).toBe(0);
    const queued = new AbortController();
    const queuedCall = api.get('ok', { signal: queued.signal });
    await new Promise((r) => setTimeout(r, 10));
    expect(limiter.stats().queued).toBe(1);
    queued.abort(new Error('not needed'));
    await expect(queuedCall).rejects.toThrow('not needed');
    controller.abort(new Error('stop'));
    await expect(hanging).rejects.toThrow('stop');
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('releases on network errors (connection reset, refused)', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const api = ky.create({
      prefix: base,
      hooks: rateLimitHooks(limiter),
      retry: { limit: 2, delay: () => 0 },
    });
    await expect(api.get('destroy')).rejects.toThrow();
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(
      ky.get(`http://127.0.0.1:${port}/`, { hooks: rateLimitHooks(limiter), retry: 0 }),
    ).rejects.toThrow();
    expect(limiter.stats().running).toBe(0);
  });

  it('observes every response: a 429 with Retry-After pauses the host partition', async () => {
    const pauses: PauseEvent[] = [];
    const limiter = createRateLimiter({ concurrency: Infinity, onPause: (e) => pauses.push(e) });
    const api = ky.create({ prefix: base, hooks: rateLimitHooks(limiter), retry: 0 });
    const error = await api.get('429').catch((e) => e);
    expect(error).toBeInstanceOf(HTTPError);
    const host = new URL(base).host;
    expect(pauses).toEqual([{ key: host, durationMs: 1000, reason: 'retry-after' }]);
    const other = createRateLimiter({ concurrency: Infinity, onPause: (e) => pauses.push(e) });
    await ky.get(`${base}/remaining0`, { hooks: rateLimitHooks(other) }).text();
    expect(pauses[1]).toEqual({ key: host, durationMs: 30_000, reason: 'server-remaining' });
    expect(limiter.stats().running).toBe(0);
    // The paused host's next request waits in the queue.
    const next = api.get('ok', { timeout: 30 });
    await expect(next).rejects.toBeInstanceOf(TimeoutError);
  });

  it('wraps a fetch the caller configured', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    let calls = 0;
    const api = ky.create({
      prefix: base,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
      hooks: rateLimitHooks(limiter, { key: () => 'tenant' }),
    });
    await api.get('ok').text();
    expect(calls).toBe(1);
  });
});

describe('rateLimitFetch', () => {
  it('works with plain fetch and URL/string inputs, releasing on every path', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const keys: string[] = [];
    const limited = rateLimitFetch(limiter, {
      key: (url) => {
        keys.push(url.pathname);
        return url.host;
      },
    });
    expect(await (await limited(`${base}/ok`)).text()).toBe('ok');
    expect((await limited(new URL(`${base}/ok`), { method: 'GET' })).status).toBe(200);
    expect((await limited(new Request(`${base}/ok`))).status).toBe(200);
    await expect(limited(`${base}/hang`, { signal: AbortSignal.timeout(20) })).rejects.toThrow();
    expect(keys).toEqual(['/ok', '/ok', '/ok', '/hang']);
    expect(limiter.stats().running).toBe(0);
  });

  it('keys by host by default, for string, URL and Request inputs alike', async () => {
    const limiter = createRateLimiter({ concurrency: 4 });
    const seen: string[] = [];
    const limited = rateLimitFetch(limiter, {
      fetch: async () => {
        seen.push(...limiter.stats().keys.keys()); // the running call's key
        return new Response(null, { status: 204 });
      },
    });
    await limited('https://A.test:443/x');
    await limited(new URL('https://b.test:8443/y'));
    await limited(new Request('https://c.test/z'));
    expect(seen).toEqual(['a.test', 'b.test:8443', 'c.test']);
  });
});
