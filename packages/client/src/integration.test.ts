import { ProblemDetailsError } from '@brace/problem-details';
import { defineRoutes } from '@brace/schema-guard';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AnyIntegrationEvent, defineIntegration } from './index.js';
import { instantClock, type Loopback, loopback, seeded } from './test-utils/server.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const User = z.object({ id: z.number(), name: z.string() });
const routes = defineRoutes({
  'GET /users/:id': { response: User },
  'POST /users': { body: User.omit({ id: true }), response: User },
});

const base = (url: string) => ({
  name: 'users-api',
  baseUrl: `${url}v2/`,
  clock: instantClock(),
  random: seeded(),
  warn: false as const,
});

describe('defineIntegration: typed routes, version, drift', () => {
  it('validates a typed GET, pins the version header and lands under the base URL', async () => {
    server = await loopback({
      'GET /v2/users/42': () => ({ body: { id: 42, name: 'Ada' } }),
    });
    const api = defineIntegration({ ...base(server.url), version: '2026-01-01', routes });
    const user = await api.api.get('/users/42');
    expect(user).toEqual({ id: 42, name: 'Ada' });
    expect(server.seen[0]?.headers['api-version']).toBe('2026-01-01');
    expect(api.integration).toBe('users-api');
  });

  it('returns drifted bodies in warn mode and reports the drift on the event stream', async () => {
    server = await loopback({
      'GET /v2/users/7': () => ({ body: { id: '7', name: 'Bob', extra: true } }),
    });
    const api = defineIntegration({ ...base(server.url), routes });
    const events: AnyIntegrationEvent[] = [];
    api.on('drift', (e) => events.push(e));
    const user = await api.api.get('users/7');
    expect(user).toEqual({ id: '7', name: 'Bob', extra: true });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'drift', integration: 'users-api' });
    expect((events[0] as { report: { route: string } }).report.route).toBe('GET /users/:id');
  });

  it('throws in throw mode and never sends an invalid body', async () => {
    server = await loopback({
      'GET /v2/users/7': () => ({ body: { id: 'x' } }),
      'POST /v2/users': () => ({ status: 201, body: { id: 1, name: 'A' } }),
    });
    const api = defineIntegration({ ...base(server.url), routes, drift: 'throw' });
    await expect(api.api.get('/users/7')).rejects.toMatchObject({
      code: 'SCHEMA_GUARD_RESPONSE_INVALID',
    });
    // @ts-expect-error name must be a string
    await expect(api.api.post('/users', { json: { name: 3 } })).rejects.toMatchObject({
      name: 'RequestSchemaError',
    });
    expect(server.count('POST /v2/users')).toBe(0);
    const created = await api.api.post('/users', { json: { name: 'A' } });
    expect(created).toEqual({ id: 1, name: 'A' });
  });
});

describe('defineIntegration: retries, idempotency, limits, errors', () => {
  it('gives a POST one idempotency key, reused by its retry, inside the budget', async () => {
    server = await loopback({
      'POST /v2/orders': (_s, n) =>
        n === 1 ? { status: 503, body: { message: 'busy' } } : { status: 201, body: { ok: true } },
    });
    const api = defineIntegration(base(server.url));
    const retries: AnyIntegrationEvent[] = [];
    api.on('retry', (e) => retries.push(e));
    const body = await api.post('orders', { json: { sku: 'A1' } }).json();
    expect(body).toEqual({ ok: true });
    const keys = server.seen.map((s) => s.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(keys[1]).toBe(keys[0]);
    expect(retries).toMatchObject([{ type: 'retry', attempt: 1, status: 503 }]);
    // a second call gets a new key
    await api.post('orders', { json: { sku: 'A2' } });
    expect(server.seen[2]?.headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('never retries a POST without a key (idempotency off) and says why', async () => {
    server = await loopback({
      'POST /v2/orders': () => ({ status: 503, body: { message: 'busy' } }),
    });
    const api = defineIntegration({ ...base(server.url), idempotency: false });
    const giveUps: AnyIntegrationEvent[] = [];
    api.on('giveUp', (e) => giveUps.push(e));
    await expect(api.post('orders', { json: {} })).rejects.toBeInstanceOf(ProblemDetailsError);
    expect(server.count('POST /v2/orders')).toBe(1);
    expect(server.seen[0]?.headers['idempotency-key']).toBeUndefined();
    expect(giveUps).toMatchObject([{ reason: 'not-retryable' }]);
  });

  it('honours Retry-After: the limiter pauses the host and the call succeeds after one retry', async () => {
    server = await loopback({
      'GET /v2/items': (_s, n) =>
        n === 1
          ? { status: 429, headers: { 'retry-after': '2' }, body: { message: 'slow down' } }
          : { body: [1, 2] },
    });
    const clock = instantClock();
    const api = defineIntegration({ ...base(server.url), clock });
    const seen: string[] = [];
    api.on('*', (e) => seen.push(e.type));
    expect(await api.get('items').json()).toEqual([1, 2]);
    expect(seen).toContain('pause');
    expect(seen).toContain('retry');
    expect(clock.slept.some((ms) => ms >= 2000)).toBe(true);
  });

  it('turns error bodies into ProblemDetailsError (problem+json and plain JSON alike)', async () => {
    server = await loopback({
      'GET /v2/a': () => ({
        status: 403,
        headers: { 'content-type': 'application/problem+json' },
        body: {
          type: 'https://example.com/probs/out-of-credit',
          title: 'Out of credit',
          status: 403,
        },
      }),
      'GET /v2/b': () => ({ status: 404, body: { message: 'nope' } }),
    });
    const api = defineIntegration(base(server.url));
    const a = await api.get('a').catch((e: unknown) => e);
    expect(a).toBeInstanceOf(ProblemDetailsError);
    expect(a).toMatchObject({ type: 'https://example.com/probs/out-of-credit', status: 403 });
    const b = await api.get('b').catch((e: unknown) => e);
    expect((b as ProblemDetailsError).status).toBe(404);
    const raw = defineIntegration({ ...base(server.url), errors: false });
    const c = await raw.get('b').catch((e: unknown) => e);
    expect((c as Error).name).toBe('HTTPError');
    const mapped = defineIntegration({
      ...base(server.url),
      errors: (body) => ({
        type: 'urn:mine',
        title: String((body as { message: string }).message),
        extensions: {},
      }),
    });
    const d = await mapped.get('b').catch((e: unknown) => e);
    expect(d).toMatchObject({ type: 'urn:mine', title: 'nope' });
  });

  it('opens the breaker after repeated failures: fail fast, health down, one breaker event', async () => {
    server = await loopback({ 'GET /v2/down': () => ({ status: 500, body: {} }) });
    const api = defineIntegration({
      ...base(server.url),
      retry: false,
      telemetry: false,
      breaker: { minimumThroughput: 2, failureRatio: 0.5 },
    });
    const states: string[] = [];
    api.on('breaker', (e) => states.push(`${e.from}->${e.to}`));
    for (let i = 0; i < 2; i++) await api.get('down').catch(() => undefined);
    expect(states).toEqual(['closed->open']);
    await expect(api.get('down')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(server.count('GET /v2/down')).toBe(2);
    expect(api.health()).toMatchObject({ status: 'down', reasons: [{ code: 'breaker-open' }] });
    expect(api.stats().breaker).toBe('open');
  });
});

describe('the limiter backs off when the provider advertises nothing', () => {
  it('a bare 429 pauses the host 1 s, doubling per 429 in a row; a success resets it', async () => {
    server = await loopback({
      'GET /v2/bare': (_s, n) =>
        n === 1 || n === 2 || n === 4 ? { status: 429, body: {} } : { body: { n } },
      'GET /v2/told': (_s, n) =>
        n === 1 ? { status: 429, headers: { 'retry-after': '3' }, body: {} } : { body: {} },
    });
    const clock = instantClock();
    const api = defineIntegration({ ...base(server.url), clock });
    const pauses: Array<[string, number]> = [];
    api.on('pause', (e) => pauses.push([e.reason, e.durationMs]));
    expect(await api.get('bare').json()).toEqual({ n: 3 });
    // the limiter's own back-off, reported once per 429 (the client adds no pause of its own)
    expect(pauses).toEqual([
      ['backoff', 1000],
      ['backoff', 2000],
    ]);
    // the queue held the host for both pauses: at least 3 s of (injected) time went by
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeGreaterThan(2999); // (float sums)
    expect(await api.get('bare').json()).toEqual({ n: 5 });
    expect(pauses).toHaveLength(3);
    expect(pauses.at(-1)).toEqual(['backoff', 1000]); // the success in between reset the streak
    pauses.length = 0;
    await api.get('told');
    expect(pauses).toEqual([['retry-after', 3000]]); // the provider said how long: no guessing
  });

  it('in adaptive mode a bare 429 cuts the rate instead: no pause is reported', async () => {
    server = await loopback({
      'GET /v2/bare': (_s, n) => (n === 1 ? { status: 429, body: {} } : { body: {} }),
    });
    const api = defineIntegration({
      ...base(server.url),
      clock: instantClock(),
      rateLimit: { adaptive: true },
    });
    const pauses: unknown[] = [];
    api.on('pause', (e) => pauses.push(e));
    await api.get('bare');
    expect(pauses).toEqual([]);
  });

  it('is off with the limiter', async () => {
    server = await loopback({
      'GET /v2/bare': (_s, n) => (n === 1 ? { status: 429, body: {} } : { body: {} }),
    });
    const api = defineIntegration({ ...base(server.url), rateLimit: false });
    const pauses: unknown[] = [];
    api.on('pause', (e) => pauses.push(e));
    await api.get('bare');
    expect(pauses).toEqual([]);
  });
});
