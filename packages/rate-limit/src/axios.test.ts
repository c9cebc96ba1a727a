import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@brace/core';
import axios, { AxiosError } from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { axiosRateLimit } from './axios.js';
import { createRateLimiter } from './create.js';
import { runUntil, tick } from './test-utils/helpers.js';
import type { PauseEvent } from './types.js';

let server: Server;
let base: string;
let host: string;
let inFlight = 0;
let peak = 0;
let hits = 0;
/** The next responses' status and headers, in order (then 200). */
let script: Array<{ status: number; headers?: Record<string, string> }> = [];

function handle(req: IncomingMessage, res: ServerResponse) {
  hits++;
  inFlight++;
  peak = Math.max(peak, inFlight);
  const next = script.shift() ?? { status: 200 };
  setTimeout(() => {
    inFlight--;
    if (req.url?.startsWith('/reset')) {
      req.socket.destroy();
      return;
    }
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(JSON.stringify({ status: next.status }));
  }, 5);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  inFlight = 0;
  peak = 0;
  hits = 0;
  script = [];
});

describe('axiosRateLimit with the real axios against a loopback server', () => {
  it('takes a slot per request and frees it when the response arrives', async () => {
    const limiter = createRateLimiter({ concurrency: 2 });
    const api = axios.create({ baseURL: base });
    axiosRateLimit(api, limiter);
    const results = await Promise.all(Array.from({ length: 6 }, () => api.get('ok')));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(peak).toBe(2);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });

  it('frees the slot on an HTTP error, a connection reset and an abort', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const api = axios.create({ baseURL: base });
    axiosRateLimit(api, limiter);
    script = [{ status: 404 }];
    await expect(api.get('x')).rejects.toBeInstanceOf(AxiosError);
    await expect(api.get('reset')).rejects.toBeInstanceOf(AxiosError);
    const controller = new AbortController();
    controller.abort();
    await expect(api.get('x', { signal: controller.signal })).rejects.toBeInstanceOf(Error);
    expect(limiter.stats().running).toBe(0);
    await expect(api.get('ok')).resolves.toMatchObject({ status: 200 });
  });

  it('observes a 429 + Retry-After: the host is paused for every later request', async () => {
    const clock = manualClock();
    const pauses: PauseEvent[] = [];
    const limiter = createRateLimiter({ concurrency: 4, clock, onPause: (e) => pauses.push(e) });
    const api = axios.create({ baseURL: base });
    axiosRateLimit(api, limiter);
    script = [{ status: 429, headers: { 'retry-after': '3' } }];
    const error = await api.get('x').catch((e: unknown) => e);
    expect((error as AxiosError).response?.status).toBe(429);
    expect(pauses).toEqual([{ key: host, durationMs: 3000, reason: 'retry-after' }]);
    const later = api.get('y');
    await tick();
    expect(hits).toBe(1); // held by the pause
    await runUntil(clock, later);
    expect(clock.now()).toBe(3000);
    expect(hits).toBe(2);
  });

  it('reads rate-limit headers from axios header objects: remaining is spread over the reset', async () => {
    const clock = manualClock();
    const starts: number[] = [];
    const limiter = createRateLimiter({
      concurrency: 4,
      clock,
      onDispatch: () => starts.push(clock.now()),
    });
    const api = axios.create({ baseURL: base });
    axiosRateLimit(api, limiter, { key: () => 'tenant' });
    script = [{ status: 200, headers: { 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '2' } }];
    await api.get('x'); // remaining 4 with 2 s to go: one request per 500 ms from now
    await runUntil(clock, Promise.all([api.get('a'), api.get('b'), api.get('c')]));
    expect(starts).toEqual([0, 500, 1000, 1500]);
  });

  it('the returned function removes both interceptors', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const api = axios.create({ baseURL: base });
    const eject = axiosRateLimit(api, limiter);
    eject();
    await api.get('ok');
    expect(limiter.stats().running).toBe(0);
  });
});
