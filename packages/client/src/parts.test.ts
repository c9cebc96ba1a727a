import { createRateLimiter } from '@brace/rate-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyIntegrationEvent, ClientOptionError, defineIntegration } from './index.js';
import { instantClock, type Loopback, loopback, seeded } from './test-utils/server.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function countingLimiter() {
  const inner = createRateLimiter({ concurrency: Number.POSITIVE_INFINITY });
  let count = 0;
  const limiter = new Proxy(inner, {
    get(target, property) {
      if (property === 'acquire') {
        return (o?: object) => {
          count++;
          return target.acquire(o);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { limiter, acquired: () => count };
}

const base = (url: string) => ({
  name: 'parts',
  baseUrl: url,
  clock: instantClock(),
  random: seeded(),
  warn: false as const,
});

describe('auth, cache and telemetry plug in with one option each', () => {
  it('sends the token, and on a 401 re-sends with the previous key through the limiter', async () => {
    server = await loopback({
      'GET /me': (s) =>
        s.headers.authorization === 'Bearer old' ? { body: { me: 1 } } : { status: 401, body: {} },
    });
    const { limiter: counting, acquired } = countingLimiter();
    const api = defineIntegration({
      ...base(server.url),
      auth: { token: ['new', 'old'] },
      rateLimit: counting,
    });
    expect(await api.get('me').json()).toEqual({ me: 1 });
    expect(server.seen.map((s) => s.headers.authorization)).toEqual(['Bearer new', 'Bearer old']);
    expect(acquired()).toBe(2); // the re-send took a slot of its own: auth sits outside the limiter
  });

  it('uses a custom header and prefix for a token', async () => {
    server = await loopback({ 'GET /me': () => ({ body: {} }) });
    const api = defineIntegration({
      ...base(server.url),
      auth: { token: 'k', header: 'x-api-key', prefix: '' },
    });
    await api.get('me');
    expect(server.seen[0]?.headers['x-api-key']).toBe('k');
  });

  it('answers a fresh cache hit without a limiter slot or a request, and says so on the stream', async () => {
    server = await loopback({
      'GET /rates': () => ({ headers: { 'cache-control': 'max-age=60' }, body: { eur: 1.1 } }),
    });
    const { limiter: counting, acquired } = countingLimiter();
    const own: string[] = [];
    const api = defineIntegration({
      ...base(server.url),
      cache: { onMiss: () => own.push('miss'), onServe: () => own.push('serve') },
      rateLimit: counting,
    });
    const kinds: string[] = [];
    api.on('cache', (e) => kinds.push(e.kind));
    expect(await api.get('rates').json()).toEqual({ eur: 1.1 });
    expect(await api.get('rates').json()).toEqual({ eur: 1.1 });
    expect(server.count('GET /rates')).toBe(1);
    expect(acquired()).toBe(1);
    expect(kinds).toEqual(['miss', 'serve']);
    expect(own).toEqual(['miss', 'serve']); // your callbacks still run
  });

  it("reports misses to whoever listens at the time: your onMiss, 'cache' or '*' listeners, and no one", async () => {
    server = await loopback({ 'GET /rates': () => ({ body: { eur: 1.1 } }) });
    const own: string[] = [];
    const withOwn = defineIntegration({
      ...base(server.url),
      cache: { onMiss: (e) => own.push(e.url) },
    });
    await withOwn.get('rates').json();
    expect(own).toEqual([`${server.url}rates`]); // no stream listener: your callback still runs

    const api = defineIntegration({ ...base(server.url), cache: {} });
    await api.get('rates').json(); // no one listens: nothing to report, the call goes on
    const all: string[] = [];
    const stop = api.on('*', (e) => all.push(e.type));
    await api.get('rates').json();
    stop();
    await api.get('rates').json();
    expect(all).toEqual(['cache']);
    const kinds: string[] = [];
    api.on('cache', (e) => kinds.push(e.kind));
    await api.get('rates').json();
    expect(kinds).toEqual(['miss']);
    expect(server.count('GET /rates')).toBe(5);
  });

  it('keeps private answers per credential: auth goes on before the cache sees the request', async () => {
    server = await loopback({
      'GET /repos': (s) => ({
        headers: { 'cache-control': 'private, max-age=60', vary: 'Accept, Authorization' },
        body: { who: s.headers.authorization },
      }),
    });
    const { limiter: counting, acquired } = countingLimiter();
    const alice = defineIntegration({
      ...base(server.url),
      auth: { token: 'alice' },
      cache: {},
      rateLimit: counting,
    });
    expect(await alice.get('repos').json()).toEqual({ who: 'Bearer alice' });
    expect(await alice.get('repos').json()).toEqual({ who: 'Bearer alice' });
    expect(server.count('GET /repos')).toBe(1); // the second answer came from the cache
    expect(acquired()).toBe(1); // and took no limiter slot
    const { createCache } = await import('@brace/cache');
    const shared = createCache();
    const a = defineIntegration({ ...base(server.url), auth: { token: 'a' }, cache: shared });
    const b = defineIntegration({ ...base(server.url), auth: { token: 'b' }, cache: shared });
    expect(await a.get('repos').json()).toEqual({ who: 'Bearer a' });
    expect(await b.get('repos').json()).toEqual({ who: 'Bearer b' }); // never a's answer
    const { createFetch } = await import('./fetch.js');
    const f = createFetch({ ...base(server.url), auth: { token: 'f' }, cache: {} });
    expect(await (await f('repos')).json()).toEqual({ who: 'Bearer f' });
    expect(await (await f('repos')).json()).toEqual({ who: 'Bearer f' });
    expect(server.count('GET /repos')).toBe(4);
  });

  it('counts calls, attempts and retries in telemetry, read through stats() and health()', async () => {
    server = await loopback({
      'GET /t': (_s, n) => (n === 1 ? { status: 502, body: {} } : { body: {} }),
    });
    const api = defineIntegration(base(server.url));
    await api.get('t');
    const stats = api.stats();
    expect(stats.telemetry).toMatchObject({
      integration: 'parts',
      calls: 1,
      attempts: 2,
      retries: 1,
    });
    expect(stats.limiter).toMatchObject({ queued: 0, running: 0 });
    expect(stats.breaker).toBe('closed');
    expect(api.health()).toMatchObject({ integration: 'parts', status: 'ok', reasons: [] });
    expect(api.health().telemetry?.stats.calls).toBe(1);
  });

  it('takes your own parts: breaker, budget, telemetry and cache objects are used as given', async () => {
    const { createCircuitBreaker, createRetryBudget } = await import('@brace/backoff');
    const { createTelemetry } = await import('@brace/telemetry');
    const { createCache } = await import('@brace/cache');
    server = await loopback({ 'GET /x': () => ({ body: {} }) });
    const telemetry = createTelemetry({ integration: 'mine' });
    const breaker = createCircuitBreaker();
    const api = defineIntegration({
      ...base(server.url),
      breaker,
      retry: { budget: createRetryBudget(), attempts: 2 },
      telemetry,
      cache: createCache(),
    });
    await api.get('x');
    expect(telemetry.stats().calls).toBe(1);
    expect(breaker.state(new URL(server.url).host)).toBe('closed');
  });

  it('runs with every optional part off', async () => {
    server = await loopback({ 'POST /x': () => ({ status: 500, body: 'boom' }) });
    const api = defineIntegration({
      ...base(server.url),
      retry: false,
      breaker: false,
      rateLimit: false,
      telemetry: false,
      idempotency: false,
      errors: false,
      timeoutMs: false,
      version: false,
    });
    await expect(api.post('x')).rejects.toMatchObject({ name: 'HTTPError' });
    expect(server.seen[0]?.headers['idempotency-key']).toBeUndefined();
    expect(api.stats()).toMatchObject({
      limiter: undefined,
      breaker: undefined,
      telemetry: undefined,
    });
    expect(api.health().status).toBe('ok');
  });
});

describe('validate(): credentials and one cheap call', () => {
  it('reports ok, rejected and unreachable', async () => {
    server = await loopback({
      'GET /me': (s) =>
        s.headers.authorization === 'Bearer good' ? { body: {} } : { status: 401, body: {} },
    });
    const good = defineIntegration({
      ...base(server.url),
      auth: { token: 'good' },
      validatePath: '/me',
    });
    expect(await good.validate()).toMatchObject({
      ok: true,
      status: 200,
      credentials: 'ok',
      integration: 'parts',
    });
    const bad = defineIntegration({
      ...base(server.url),
      auth: { token: 'bad' },
      validatePath: 'me',
    });
    const result = await bad.validate();
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      credentials: 'rejected',
      error: 'AUTH_REJECTED',
    });
    expect(server.count('GET /me')).toBe(2); // no retries
    const url = server.url;
    await server.close();
    server = undefined;
    const gone = defineIntegration({ ...base(url), validatePath: 'me', breaker: false });
    const down = await gone.validate();
    expect(down).toMatchObject({ ok: false, status: undefined, credentials: 'unknown' });
    expect(down.error).toBeTypeOf('string');
  });

  it('fails the credentials when a token manager cannot get a token, before any call', async () => {
    server = await loopback({ 'GET /me': () => ({ body: {} }) });
    const manager = {
      authorize: () => ({ in: 'header' as const, name: 'authorization', value: 'Bearer x' }),
      rejected: async () => undefined,
      getToken: async () => 'x',
      validate: async () => {
        throw Object.assign(new Error('no'), { code: 'AUTH_GRANT_FAILED' });
      },
    };
    const api = defineIntegration({ ...base(server.url), auth: manager, validatePath: 'me' });
    expect(await api.validate()).toMatchObject({
      ok: false,
      credentials: 'rejected',
      error: 'AUTH_GRANT_FAILED',
    });
    expect(server.count('GET /me')).toBe(0);
  });

  it('needs a validatePath', async () => {
    const api = defineIntegration({ name: 'x', baseUrl: 'http://127.0.0.1:9/' });
    await expect(api.validate()).rejects.toBeInstanceOf(ClientOptionError);
  });
});

describe('the event stream', () => {
  it('delivers to named and * listeners, survives throwing ones, and unsubscribes', async () => {
    server = await loopback({
      'GET /r': (_s, n) => (n === 1 ? { status: 503, body: {} } : { body: {} }),
    });
    const api = defineIntegration(base(server.url));
    const all: AnyIntegrationEvent[] = [];
    const off = api.on('*', (e) => all.push(e));
    api.on('retry', () => {
      throw new Error('listener bug');
    });
    await api.get('r');
    expect(all.map((e) => e.type)).toEqual(['retry']);
    off();
    await api.get('r');
    expect(all).toHaveLength(1);
  });
});

describe('options are checked at construction', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['name', { name: '', baseUrl: 'https://a.example/' }],
    ['name', { baseUrl: 'https://a.example/' }],
    ['baseUrl', { name: 'a', baseUrl: 'not a url' }],
    ['baseUrl', { name: 'a' }],
    ['version', { name: 'a', baseUrl: 'https://a.example/{version}/' }],
    ['timeoutMs', { name: 'a', baseUrl: 'https://a.example/', timeoutMs: -1 }],
    ['retry.attempts', { name: 'a', baseUrl: 'https://a.example/', retry: { attempts: 0 } }],
    ['auth.token', { name: 'a', baseUrl: 'https://a.example/', auth: { token: '' } }],
  ];
  it.each(cases)('rejects a bad %s', (option, options) => {
    expect(() => defineIntegration(options)).toThrow(ClientOptionError);
    try {
      defineIntegration(options);
    } catch (error) {
      expect((error as ClientOptionError).option).toBe(option);
      expect((error as ClientOptionError).code).toBe('CLIENT_OPTION_INVALID');
    }
  });

  it('puts the version in the path when the base URL asks for it', async () => {
    server = await loopback({ 'GET /api/2025-01/shop.json': () => ({ body: { ok: 1 } }) });
    const api = defineIntegration({ ...base(`${server.url}api/{version}/`), version: '2025-01' });
    expect(await api.get('shop.json').json()).toEqual({ ok: 1 });
  });
});
