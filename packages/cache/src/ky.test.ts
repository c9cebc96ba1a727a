import { BraceError, composeHooks, wrapFetchHook } from '@brace/core';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from './index.js';
import { cacheHooks } from './ky.js';
import { json, loopback } from './test-utils/server.js';

describe('cacheHooks with real ky against a loopback server', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  beforeAll(async () => {
    server = await loopback(json({ n: 1 }, { 'cache-control': 'max-age=60' }));
  });
  afterAll(() => server.close());

  it('answers fresh hits in beforeRequest and misses through the fetch wrapper', async () => {
    const cache = createCache();
    const api = ky.create({ prefix: server.url, retry: 0, hooks: composeHooks(cacheHooks(cache)) });
    const before = server.seen.length;
    expect(await api.get('k1').json()).toEqual({ n: 1 });
    const hit = await api.get('k1');
    expect(hit.headers.get('brace-cache')).toBe('fresh');
    expect(await hit.json()).toEqual({ n: 1 });
    expect(server.seen.length - before).toBe(1);
  });

  it('serves stale on a 503 (no HTTPError), and at once while a breaker hook would throw', async () => {
    let now = Date.now();
    let open = false;
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
      originBlocked: () => (open ? 'breaker-open' : undefined),
    });
    const breaker = {
      beforeRequest: [
        () => {
          if (open) throw new BraceError('CIRCUIT_OPEN', 'open');
        },
      ],
    };
    const api = ky.create({
      prefix: server.url,
      retry: 0,
      hooks: composeHooks(cacheHooks(cache), breaker),
    });
    server.set(json({ n: 2 }, { 'cache-control': 'max-age=1', etag: '"2"' }));
    await api.get('k2').json();
    now += 5_000;
    server.set(json({ down: true }, {}, 503));
    const stale = await api.get('k2');
    expect(stale.headers.get('brace-cache')).toBe('stale-if-error: 503');
    expect(await stale.json()).toEqual({ n: 2 });
    open = true;
    const before = server.seen.length;
    const blocked = await api.get('k2');
    expect(blocked.headers.get('brace-cache')).toBe('stale: breaker-open');
    expect(server.seen.length).toBe(before);
    // A revalidation through ky carries the stored validator.
    open = false;
    server.set((req, res) => {
      res.writeHead(req.headers['if-none-match'] === '"2"' ? 304 : 500, {
        'cache-control': 'max-age=60',
        etag: '"2"',
      });
      res.end();
    });
    const revalidated = await api.get('k2');
    expect(revalidated.headers.get('brace-cache')).toBe('revalidated');
    expect(await revalidated.json()).toEqual({ n: 2 });
  });
});

describe('cacheHooks split around a breaker and a limiter (the recommended order)', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  beforeAll(async () => {
    server = await loopback(json({ n: 1 }, { 'cache-control': 'max-age=1' }));
  });
  afterAll(() => server.close());

  it('the breaker still sees the origin’s 503; the caller gets stale; a limiter refusal is served stale', async () => {
    let now = Date.now();
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
    });
    const c = cacheHooks(cache);
    // Stand-ins with the shapes of backoffHooks (a status recorder wrapping fetch) and
    // rateLimitHooks (a fetch wrapper that may refuse).
    const seen: number[] = [];
    let refuse = false;
    const breakerLike = {
      init: [
        wrapFetchHook((next) => async (input, init) => {
          const response = await next(input, init);
          seen.push(response.status);
          return response;
        }),
      ],
    };
    const limiterLike = {
      init: [
        wrapFetchHook((next) => async (input, init) => {
          if (refuse) throw new BraceError('RATE_LIMIT_QUEUE_FULL', 'full');
          return next(input, init);
        }),
      ],
    };
    const api = ky.create({
      prefix: server.url,
      retry: 0,
      hooks: composeHooks({ beforeRequest: c.beforeRequest }, breakerLike, limiterLike, {
        init: c.init,
      }),
    });
    await api.get('split').json();
    now += 5_000;
    server.set(json({ down: true }, {}, 503));
    const stale = await api.get('split');
    expect(stale.headers.get('brace-cache')).toBe('stale-if-error: 503');
    expect(seen).toEqual([200, 503]);
    refuse = true;
    const refused = await api.get('split');
    expect(refused.headers.get('brace-cache')).toBe('stale: rate-limited');
    expect(seen).toEqual([200, 503]);
  });
});
