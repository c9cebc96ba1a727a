import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@brace/core';
import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AxiosBackoffOptions, axiosBackoff } from './axios.js';
import { createCircuitBreaker } from './breaker.js';
import { createRetryBudget } from './budget.js';
import { CircuitOpenError, RetryAfterTooLongError } from './errors.js';
import { constant } from './strategies.js';
import { settle } from './test-utils/settle.js';

let clock = manualClock();
let server: Server;
let base: string;
let seen: Array<{ path: string; method: string; at: number }> = [];
let counts = new Map<string, number>();

/** /fail/<n>/<status>: fails n times, then 200; `ra` sets Retry-After; /hang/<n> never answers n times. */
function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  const id = url.searchParams.get('id') ?? '';
  const n = (counts.get(id) ?? 0) + 1;
  counts.set(id, n);
  seen.push({ path: url.pathname, method: req.method ?? '', at: clock.now() });
  const [, kind, times, status] = url.pathname.split('/');
  const failing = n <= Number(times);
  if (kind === 'hang' && failing) return;
  if (failing) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const ra = url.searchParams.get('ra');
    if (ra) headers['retry-after'] = ra;
    res.writeHead(Number(status ?? 503), headers);
    res.end(JSON.stringify({ error: 'later' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, attempt: n }));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  clock = manualClock();
  seen = [];
  counts = new Map();
});

let nextId = 0;
const path = (p: string, query = '') => `${p}?id=${++nextId}${query}`;
const times = () => seen.map((s) => s.at);

function client(options: AxiosBackoffOptions = {}, timeout = 0): AxiosInstance {
  const api = axios.create({ baseURL: base, timeout });
  axiosBackoff(api, { clock, random: () => 0, strategy: constant(1_000), ...options });
  return api;
}

describe('axiosBackoff with the real axios against a loopback server', () => {
  it('retries 503s at the strategy times and resolves with the success', async () => {
    const { value } = await settle(client().get(path('fail/2/503')), clock);
    expect(value?.data).toEqual({ ok: true, attempt: 3 });
    expect(times()).toEqual([0, 1_000, 2_000]);
  });

  it('honours Retry-After (a floor, plus positive jitter)', async () => {
    const api = client({ random: () => 0.5, strategy: constant(10) });
    await settle(api.get(path('fail/1/429', '&ra=2')), clock);
    expect(times()).toEqual([0, 2_500]);
  });

  it('out of attempts: rethrows the last AxiosError', async () => {
    const { error } = await settle(client({ attempts: 2 }).get(path('fail/9/503')), clock);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(503);
    expect(seen).toHaveLength(2);
  });

  it('never retries 404, nor a POST without an Idempotency-Key; retries one with a key', async () => {
    const notFound = await settle(client().get(path('fail/1/404')), clock);
    expect((notFound.error as AxiosError).response?.status).toBe(404);
    const post = await settle(client().post(path('fail/1/503'), { a: 1 }), clock);
    expect((post.error as AxiosError).response?.status).toBe(503);
    expect(seen).toHaveLength(2);
    const keyed = await settle(
      client().post(path('fail/1/503'), { a: 1 }, { headers: { 'Idempotency-Key': 'k-1' } }),
      clock,
    );
    expect(keyed.value?.data).toEqual({ ok: true, attempt: 2 });
  });

  it('a Retry-After above maxRetryAfter gives up with RetryAfterTooLongError', async () => {
    const { error } = await settle(client().get(path('fail/1/503', '&ra=600')), clock);
    expect(error).toBeInstanceOf(RetryAfterTooLongError);
    expect((error as RetryAfterTooLongError).cause).toBeInstanceOf(AxiosError);
  });

  it('ECONNABORTED is a timeout: retried only with retryOnTimeout', async () => {
    const off = await settle(client({}, 50).get(path('hang/1')), clock);
    expect((off.error as AxiosError).code).toBe('ECONNABORTED');
    expect(seen).toHaveLength(1);
    const on = await settle(client({ retryOnTimeout: true }, 50).get(path('hang/1')), clock);
    expect(on.value?.data).toEqual({ ok: true, attempt: 2 });
  });

  it('ERR_NETWORK is a network error: retried', async () => {
    let calls = 0;
    const api = axios.create({
      adapter: async (config: InternalAxiosRequestConfig) => {
        calls++;
        if (calls === 1) throw new AxiosError('Network Error', 'ERR_NETWORK', config);
        return { data: 'ok', status: 200, statusText: 'OK', headers: {}, config };
      },
    });
    axiosBackoff(api, { clock, strategy: constant(5) });
    const { value } = await settle(api.get('https://api.example.com/x'), clock);
    expect(value?.data).toBe('ok');
    expect(calls).toBe(2);
  });

  it('an aborted request is never retried', async () => {
    const controller = new AbortController();
    controller.abort();
    const { error } = await settle(
      client().get(path('fail/0/503'), { signal: controller.signal }),
      clock,
    );
    expect((error as AxiosError).code).toBe('ERR_CANCELED');
  });

  it('feeds a per-host budget and breaker; an open circuit fails fast', async () => {
    const breaker = createCircuitBreaker({ minimumThroughput: 2, breakDurationMs: 5_000, clock });
    const budget = createRetryBudget({ clock });
    const api = client({ attempts: 1, breaker, budget });
    for (let i = 0; i < 2; i++) await settle(api.get(path('fail/9/503')), clock);
    const { error } = await settle(api.get(path('fail/0/503')), clock);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(seen).toHaveLength(2);
  });

  it('the returned function removes both interceptors; unknown options name ours', async () => {
    const api = axios.create({ baseURL: base });
    const eject = axiosBackoff(api, { clock });
    eject();
    const { error } = await settle(api.get(path('fail/1/503')), clock);
    expect((error as AxiosError).response?.status).toBe(503);
    expect(() => axiosBackoff(api, { retries: 3 } as never)).toThrow(
      /`retries`; did you mean `attempts`/,
    );
  });
});
