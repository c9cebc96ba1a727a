import { BraceError } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { cacheStatusOf } from './index.js';
import { type Answer, get, reply, scripted, setup, URL_A } from './test-utils/origin.js';

const fresh60 = reply('cached', { 'cache-control': 'max-age=60' });

function connectionRefused(): Error {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
  });
  return new TypeError('fetch failed', { cause });
}

async function staleAfter(failure: Answer, options = {}) {
  const { cache, clock, events } = setup({ staleIfErrorMs: 300_000, ...options });
  const { origin, calls } = scripted(fresh60, failure);
  await (await cache.handle(get(URL_A), origin)).text();
  await clock.advance(120_000);
  const answer = await cache.handle(get(URL_A), origin);
  return { answer, calls, events, cache, clock, origin };
}

describe('stale-if-error', () => {
  const cases: Array<[string, Answer, string]> = [
    ['a 503', reply('down', {}, 503), 'stale-if-error: 503'],
    ['a 500', reply('down', {}, 500), 'stale-if-error: 500'],
    ['a 429', reply('slow down', {}, 429), 'stale-if-error: 429'],
    ['a refused connection', connectionRefused(), 'stale-if-error: network'],
    ['a timeout', new DOMException('timed out', 'TimeoutError'), 'stale-if-error: timeout'],
    [
      'an axios timeout',
      Object.assign(new Error('timeout of 10ms exceeded'), { code: 'ECONNABORTED' }),
      'stale-if-error: timeout',
    ],
    [
      'ky-style HTTPError',
      Object.assign(new Error('Request failed'), { response: { status: 502 } }),
      'stale-if-error: 502',
    ],
    ['an unknown error', new Error('boom'), 'stale-if-error: error'],
    ['an open breaker', new BraceError('CIRCUIT_OPEN', 'open'), 'stale: breaker-open'],
    [
      'a full limiter queue',
      new BraceError('RATE_LIMIT_QUEUE_FULL', 'full'),
      'stale: rate-limited',
    ],
    [
      'a spent retry budget',
      new BraceError('RETRY_BUDGET_EXHAUSTED', 'spent'),
      'stale: retry-budget',
    ],
    [
      'retries exhausted on a 503',
      new BraceError('RETRY_EXHAUSTED', 'all failed', {
        cause: Object.assign(new Error('503'), { response: { status: 503 } }),
      }),
      'stale-if-error: 503',
    ],
  ];
  for (const [what, failure, reason] of cases) {
    it(`serves the stale entry on ${what}, marked "${reason}"`, async () => {
      const { answer, events } = await staleAfter(failure);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('cached');
      expect(answer.headers.get('brace-cache')).toBe(reason);
      expect(answer.headers.get('age')).toBe('120');
      expect(cacheStatusOf(answer)).toEqual({ reason, ageMs: 120_000 });
      expect(events.at(-1)).toEqual([
        'serve',
        { reason, method: 'GET', url: URL_A, status: 200, ageMs: 120_000 },
      ]);
    });
  }

  it('honours the response’s own stale-if-error without the option', async () => {
    const { cache, clock } = setup();
    const { origin } = scripted(
      reply('c', { 'cache-control': 'max-age=60, stale-if-error=30' }),
      reply('down', {}, 503),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(80_000);
    expect((await cache.handle(get(URL_A), origin)).headers.get('brace-cache')).toBe(
      'stale-if-error: 503',
    );
    await clock.advance(20_000);
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
  });

  it('passes the failure through outside the stale window', async () => {
    const { cache, clock } = setup({ staleIfErrorMs: 10_000 });
    const { origin } = scripted(fresh60, reply('down', {}, 503), connectionRefused());
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(71_000);
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
    await expect(cache.handle(get(URL_A), origin)).rejects.toThrow('fetch failed');
  });

  it('a newer answer that may not be stored supersedes the stored one (never served stale after)', async () => {
    for (const newer of [
      reply('v2', { 'cache-control': 'no-store' }),
      reply('v2', {}),
      reply('v2', { 'cache-control': 'max-age=60', vary: '*' }),
    ]) {
      const { cache, clock } = setup({ staleIfErrorMs: 600_000 });
      const { origin } = scripted(
        reply('v1', { 'cache-control': 'max-age=1' }),
        newer,
        reply('down', {}, 503),
      );
      await (await cache.handle(get(URL_A), origin)).text();
      await clock.advance(2_000);
      expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('v2');
      expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
    }
  });

  it('a 304 whose headers keep nothing removes the entry after answering', async () => {
    const { cache, clock } = setup({ staleIfErrorMs: 600_000 });
    const { origin } = scripted(
      reply('v1', { 'cache-control': 'max-age=1', etag: '"1"' }),
      reply('', { 'cache-control': 'no-store', etag: '"1"' }, 304),
      reply('down', {}, 503),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(2_000);
    const revalidated = await cache.handle(get(URL_A), origin);
    expect(revalidated.headers.get('brace-cache')).toBe('revalidated');
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
  });

  it('never serves must-revalidate stale', async () => {
    const { cache, clock } = setup({ staleIfErrorMs: 600_000, lastKnownGood: 600_000 });
    const { origin } = scripted(
      reply('c', { 'cache-control': 'max-age=60, must-revalidate, stale-if-error=600' }),
      reply('down', {}, 503),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(61_000);
    const answer = await cache.handle(get(URL_A), origin);
    expect(answer.status).toBe(503);
    expect(cacheStatusOf(answer)).toBeUndefined();
  });

  it('never answers the caller’s own abort from the cache', async () => {
    const { cache, clock } = setup({ staleIfErrorMs: 600_000 });
    const controller = new AbortController();
    const { origin } = scripted(fresh60, () => {
      controller.abort(new Error('caller gave up'));
      throw controller.signal.reason;
    });
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(61_000);
    await expect(cache.handle(get(URL_A), origin, { signal: controller.signal })).rejects.toThrow(
      'caller gave up',
    );
  });

  it('treats an AbortError it did not ask for as an abort too', async () => {
    const { answer } = await staleAfter(new DOMException('aborted', 'AbortError')).catch((e) => ({
      answer: e,
    }));
    expect(answer).toBeInstanceOf(DOMException);
  });
});

describe('breaker open (originBlocked)', () => {
  it('serves stale at once without touching the origin', async () => {
    let open = false;
    const { cache, clock } = setup({
      staleIfErrorMs: 300_000,
      originBlocked: () => (open ? 'breaker-open' : undefined),
    });
    const { origin, calls } = scripted(fresh60);
    await (await cache.handle(get(URL_A), origin)).text();
    open = true;
    await clock.advance(90_000);
    for (let i = 0; i < 5; i++) {
      const answer = await cache.handle(get(URL_A), origin);
      expect(answer.headers.get('brace-cache')).toBe('stale: breaker-open');
      expect(await answer.text()).toBe('cached');
    }
    expect(calls).toHaveLength(1);
  });

  it('still asks the origin when nothing stale may be served', async () => {
    const { cache, clock } = setup({ originBlocked: () => 'breaker-open' });
    const { origin, calls } = scripted(fresh60, reply('down', {}, 503));
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(61_000);
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
    expect(calls).toHaveLength(2);
  });
});

describe('stale-while-revalidate', () => {
  it('answers stale at once and refreshes in the background', async () => {
    const { cache, clock, events } = setup({ staleWhileRevalidateMs: 60_000 });
    const { origin, calls } = scripted(
      reply('v1', { 'cache-control': 'max-age=10' }),
      reply('v2', { 'cache-control': 'max-age=10' }),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(15_000);
    const stale = await cache.handle(get(URL_A), origin);
    expect(stale.headers.get('brace-cache')).toBe('stale-while-revalidate');
    expect(await stale.text()).toBe('v1');
    for (let i = 0; i < 100 && events.filter(([k]) => k === 'store').length < 2; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const refreshed = await cache.handle(get(URL_A), origin);
    expect(await refreshed.text()).toBe('v2');
    expect(refreshed.headers.get('brace-cache')).toBe('fresh');
    expect(calls).toHaveLength(2);
    expect(events).toContainEqual([
      'miss',
      { method: 'GET', url: URL_A, revalidation: false, background: true },
    ]);
  });

  it('uses the response’s own stale-while-revalidate and reports a failed refresh', async () => {
    const { cache, clock, events } = setup();
    const { origin, calls } = scripted(
      reply('v1', { 'cache-control': 'max-age=10, stale-while-revalidate=30' }),
      connectionRefused(),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(15_000);
    const [a, b] = await Promise.all([
      cache.handle(get(URL_A), origin),
      cache.handle(get(URL_A), origin),
    ]);
    expect(a.headers.get('brace-cache')).toBe('stale-while-revalidate');
    expect(b.headers.get('brace-cache')).toBe('stale-while-revalidate');
    for (let i = 0; i < 100 && !events.some(([k]) => k === 'refreshError'); i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(calls).toHaveLength(2);
    expect(events.filter(([k]) => k === 'refreshError')).toHaveLength(1);
    await clock.advance(30_000);
    await expect(cache.handle(get(URL_A), origin)).rejects.toThrow('fetch failed');
  });
});

describe('last-known-good', () => {
  it('keeps an answer without cache headers and serves it only on failure', async () => {
    const { cache, clock } = setup({ lastKnownGood: { maxAgeMs: 3_600_000 } });
    const { origin, calls } = scripted(
      reply('v1'),
      reply('v2'),
      reply('down', {}, 503),
      connectionRefused(),
      reply('down', {}, 503),
    );
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('v1');
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('v2');
    await clock.advance(1_000);
    const on503 = await cache.handle(get(URL_A), origin);
    expect(await on503.text()).toBe('v2');
    expect(on503.headers.get('brace-cache')).toBe('last-known-good: 503');
    expect(on503.headers.get('age')).toBe('1');
    expect((await cache.handle(get(URL_A), origin)).headers.get('brace-cache')).toBe(
      'last-known-good: network',
    );
    await clock.advance(3_600_000);
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
    expect(calls).toHaveLength(5);
  });

  it('extends a cacheable answer past its stale-if-error window', async () => {
    const { cache, clock } = setup({ staleIfErrorMs: 1_000, lastKnownGood: 3_600_000 });
    const { origin } = scripted(fresh60, reply('down', {}, 503));
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(600_000);
    expect((await cache.handle(get(URL_A), origin)).headers.get('brace-cache')).toBe(
      'last-known-good: 503',
    );
  });

  it('does not keep private answers without credentials, nor error answers', async () => {
    const { cache } = setup({ lastKnownGood: 3_600_000 });
    const { origin } = scripted(
      reply('p', { 'cache-control': 'private' }),
      reply('nf', {}, 404),
      reply('down', {}, 503),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await (await cache.handle(get(`${URL_A}/2`), origin)).text();
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
    expect((await cache.handle(get(`${URL_A}/2`), origin)).status).toBe(503);
  });
});
