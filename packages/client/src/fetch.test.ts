import { afterEach, describe, expect, it } from 'vitest';
import { createFetch } from './fetch.js';
import type { AnyIntegrationEvent } from './index.js';
import { instantClock, type Loopback, loopback, seeded } from './test-utils/server.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const base = (url: string) => ({
  name: 'plain',
  baseUrl: `${url}v1/`,
  clock: instantClock(),
  random: seeded(),
  warn: false as const,
  version: '2026-01-01',
});

describe('createFetch', () => {
  it('resolves relative URLs, pins the version, keys POSTs and retries them with the same key', async () => {
    server = await loopback({
      'POST /v1/orders': (_s, n) =>
        n === 1 ? { status: 503, body: {} } : { status: 201, body: { id: 1 } },
    });
    const f = createFetch(base(server.url));
    const events: AnyIntegrationEvent[] = [];
    f.on('*', (e) => events.push(e));
    const response = await f('/orders', { method: 'POST', body: JSON.stringify({ sku: 'A' }) });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: 1 });
    expect(server.seen.map((s) => s.body)).toEqual(['{"sku":"A"}', '{"sku":"A"}']);
    const keys = server.seen.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(keys[1]).toBe(keys[0]);
    expect(server.seen[0]?.headers['api-version']).toBe('2026-01-01');
    expect(events).toMatchObject([{ type: 'retry', attempt: 1, status: 503 }]);
    expect(f.stats().telemetry).toMatchObject({ calls: 1 });
  });

  it('returns the last answer as fetch does once attempts run out, and never retries a POST without a key', async () => {
    server = await loopback({
      'GET /v1/flaky': () => ({ status: 502, body: { error: 'bad gateway' } }),
      'POST /v1/once': () => ({ status: 503, body: {} }),
    });
    const f = createFetch({ ...base(server.url), idempotency: false, breaker: false });
    const response = await f('flaky');
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: 'bad gateway' });
    expect(server.count('GET /v1/flaky')).toBe(3);
    expect((await f('once', { method: 'POST' })).status).toBe(503);
    expect(server.count('POST /v1/once')).toBe(1);
  });

  it('returns the answer when the retry budget says no', async () => {
    const { createRetryBudget } = await import('@brace/backoff');
    server = await loopback({ 'GET /v1/x': () => ({ status: 503, body: {} }) });
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0 });
    const f = createFetch({ ...base(server.url), retry: { budget } });
    const giveUps: AnyIntegrationEvent[] = [];
    f.on('giveUp', (e) => giveUps.push(e));
    expect((await f('x')).status).toBe(503);
    expect(server.count('GET /v1/x')).toBe(1);
    expect(giveUps).toMatchObject([{ reason: 'budget' }]);
  });

  it('takes absolute URLs, Request objects and a token; opens the breaker', async () => {
    server = await loopback({
      'GET /v1/me': (s) => ({ body: { auth: s.headers.authorization } }),
      'GET /v1/down': () => ({ status: 500, body: {} }),
    });
    const f = createFetch({
      ...base(server.url),
      auth: { token: 't' },
      retry: false,
      breaker: { minimumThroughput: 2, failureRatio: 0.5 },
    });
    expect(await (await f(`${server.url}v1/me`)).json()).toEqual({ auth: 'Bearer t' });
    expect(await (await f(new Request(`${server.url}v1/me`))).json()).toEqual({ auth: 'Bearer t' });
    await f('down');
    await f('down');
    await expect(f('down')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(f.health().status).not.toBe('ok');
  });

  it('records a network failure for the breaker and rethrows it', async () => {
    server = await loopback({});
    const url = server.url;
    await server.close();
    server = undefined;
    const f = createFetch({
      ...base(url),
      retry: false,
      breaker: { minimumThroughput: 1, failureRatio: 0.5 },
    });
    await expect(f('x')).rejects.toThrow();
    expect(f.stats().breaker).toBe('open');
  });

  it('times an attempt out, serves from its cache, validates, and observes deprecations', async () => {
    server = await loopback({
      'GET /v1/slow': () => new Promise((resolve) => setTimeout(() => resolve({ body: {} }), 2000)),
      'GET /v1/rates': () => ({
        headers: { 'cache-control': 'max-age=60', deprecation: '@1' },
        body: { eur: 1 },
      }),
      'GET /v1/me': () => ({ body: {} }),
    });
    const warnings: string[] = [];
    const f = createFetch({
      ...base(server.url),
      timeoutMs: 50,
      retry: false,
      cache: {},
      validatePath: 'me',
      warn: (m) => warnings.push(m),
    });
    await expect(f('slow')).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await (await f('rates')).json()).toEqual({ eur: 1 });
    expect(await (await f('rates')).json()).toEqual({ eur: 1 });
    expect(server.count('GET /v1/rates')).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('GET /rates');
    expect(await f.validate()).toMatchObject({ ok: true, status: 200, credentials: 'ok' });
    expect(f.integration).toBe('plain');
    await f.setup();
  });

  it('runs bare with every part off and no timeout', async () => {
    server = await loopback({ 'PATCH /v1/x': () => ({ body: { ok: 1 } }) });
    const f = createFetch({
      ...base(server.url),
      retry: false,
      breaker: false,
      rateLimit: false,
      telemetry: false,
      timeoutMs: false,
    });
    const response = await f('x', { method: 'PATCH', body: '{}' });
    expect(await response.json()).toEqual({ ok: 1 });
    expect(server.seen[0]?.headers['idempotency-key']).toBeDefined();
  });
});
