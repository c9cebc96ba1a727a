import { describe, expect, it } from 'vitest';
import { CacheOptionError, type CacheStore, createCache, memoryStore } from './index.js';
import { get, reply, scripted, setup, URL_A } from './test-utils/origin.js';

const broken = (mode: 'throw' | 'reject'): CacheStore => {
  const fail = (op: string) => {
    const error = new Error(`${op} failed`);
    if (mode === 'throw') throw error;
    return Promise.reject(error);
  };
  return {
    get: () => fail('get') as never,
    set: () => fail('set') as never,
    delete: () => fail('delete') as never,
    lock: () => fail('lock') as never,
    unlock: () => fail('unlock') as never,
  };
};

describe('a failing store degrades to no caching', () => {
  for (const mode of ['throw', 'reject'] as const) {
    it(`answers every request when the store's operations ${mode}`, async () => {
      const { cache, events } = setup({ store: broken(mode), staleIfErrorMs: 60_000 });
      const { origin, calls } = scripted(reply('a', { 'cache-control': 'max-age=60' }));
      expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('a');
      expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('a');
      const post = new Request(URL_A, { method: 'POST' });
      expect((await cache.handle(post, origin)).status).toBe(200);
      expect(calls).toHaveLength(3);
      const ops = events
        .filter(([k]) => k === 'storeError')
        .map(([, e]) => (e as { operation: string }).operation);
      expect(new Set(ops)).toEqual(new Set(['get', 'lock', 'set', 'delete']));
    });
  }

  it('a store that never answers costs at most storeTimeoutMs per operation', async () => {
    const never = () => new Promise<never>(() => {});
    const { cache, clock, events } = setup({
      storeTimeoutMs: 200,
      store: { get: never, set: never, delete: never, lock: never, unlock: never },
    });
    const { origin, calls } = scripted(reply('a', { 'cache-control': 'max-age=60' }));
    let done = false;
    const pending = cache.handle(get(URL_A), origin).finally(() => {
      done = true;
    });
    // get, lock and set each wait their 200 ms out.
    for (let i = 0; i < 10 && !done; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await clock.advance(200);
    }
    expect(await (await pending).text()).toBe('a');
    expect(clock.now() - 1_700_000_000_000).toBe(600);
    expect(calls).toHaveLength(1);
    const failures = events
      .filter(([k]) => k === 'storeError')
      .map(([, e]) => e as { operation: string; error: Error });
    expect(failures.map((f) => f.operation)).toEqual(['get', 'lock', 'set']);
    expect(failures[0]?.error.message).toContain('failed during `get`');
  });

  it('treats a malformed or unreadable entry as a miss', async () => {
    const { cache, events } = setup({
      store: {
        get: (key) =>
          key.includes('bad-policy')
            ? {
                meta: {
                  v: 1,
                  kind: 'http',
                  status: 200,
                  storedAt: 0,
                  policy: { v: 9 },
                  vary: null,
                  noStale: false,
                },
                body: new Uint8Array(),
              }
            : ({ meta: { v: 2 }, body: 'x' } as never),
        set: () => {},
        delete: () => {},
      },
    });
    const { origin, calls } = scripted(reply('fresh from origin'));
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('fresh from origin');
    expect(await (await cache.handle(get(`${URL_A}/bad-policy`), origin)).text()).toBe(
      'fresh from origin',
    );
    expect(calls).toHaveLength(2);
    expect(events.filter(([k]) => k === 'storeError')).toHaveLength(2);
  });

  it('a throwing event callback never breaks a request', async () => {
    const cache = createCache({
      onMiss: () => {
        throw new Error('observer bug');
      },
      onStore: () => {
        throw new Error('observer bug');
      },
    });
    const { origin } = scripted(reply('ok', { 'cache-control': 'max-age=60' }));
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('ok');
  });

  it('an unlock failure is reported and the answer still returned', async () => {
    const inner = memoryStore();
    const { cache, events } = setup({
      store: {
        get: (k) => inner.get(k),
        set: (k, e, t) => inner.set(k, e, t),
        delete: (k) => inner.delete(k),
        lock: () => 'token',
        unlock: () => Promise.reject(new Error('gone')),
      },
    });
    const { origin } = scripted(reply('ok', { 'cache-control': 'max-age=60' }));
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('ok');
    expect(events).toContainEqual([
      'storeError',
      { operation: 'unlock', error: new Error('gone') },
    ]);
  });
});

describe('large bodies pass through uncached', () => {
  it('by Content-Length, without reading', async () => {
    const { cache, events } = setup({ maxBodyBytes: 10 });
    const { origin, calls } = scripted(
      reply('0123456789abc', { 'cache-control': 'max-age=60', 'content-length': '13' }),
    );
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('0123456789abc');
    await (await cache.handle(get(URL_A), origin)).text();
    expect(calls).toHaveLength(2);
    expect(events).toContainEqual(['bypass', { method: 'GET', url: URL_A, reason: 'too-large' }]);
  });

  it('by counting a streamed body, which arrives intact', async () => {
    const { cache, events } = setup({ maxBodyBytes: 10 });
    const chunks = ['01234', '56789', 'abcde', 'fgh'];
    const { origin } = scripted(
      () =>
        new Response(
          new ReadableStream({
            start(c) {
              for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
              c.close();
            },
          }),
          { headers: { 'cache-control': 'max-age=60' } },
        ),
    );
    const answer = await cache.handle(get(URL_A), origin);
    expect(await answer.text()).toBe(chunks.join(''));
    expect(events.filter(([k]) => k === 'bypass')).toEqual([
      ['bypass', { method: 'GET', url: URL_A, reason: 'too-large' }],
    ]);
    const cancelled = await cache.handle(get(URL_A), origin);
    await cancelled.body?.cancel();
  });

  it('by a huge Cache-Control header', async () => {
    const { cache, events } = setup();
    const { origin } = scripted(reply('x', { 'cache-control': `max-age=60, ${'x'.repeat(9000)}` }));
    await (await cache.handle(get(URL_A), origin)).text();
    expect(events).toContainEqual([
      'bypass',
      { method: 'GET', url: URL_A, reason: 'not-storable' },
    ]);
  });
});

describe('options', () => {
  it('rejects out-of-range options, naming them', () => {
    const bad: Array<[string, Parameters<typeof createCache>[0]]> = [
      ['maxAgeMs', { maxAgeMs: 0 }],
      ['staleIfErrorMs', { staleIfErrorMs: -1 }],
      ['staleWhileRevalidateMs', { staleWhileRevalidateMs: 1.5 }],
      ['lastKnownGood', { lastKnownGood: { maxAgeMs: Number.NaN } }],
      ['maxBodyBytes', { maxBodyBytes: -1 }],
      ['reasonHeader', { reasonHeader: 'bad header' }],
      ['key', { key: 'nope' as never }],
      ['originBlocked', { originBlocked: 1 as never }],
      ['credentials.headers', { credentials: { headers: [''] } }],
      ['coalesce.pollMs', { coalesce: { pollMs: 0 } }],
      ['storeTimeoutMs', { storeTimeoutMs: 0 }],
      ['credentials.salt', { credentials: { salt: 1 as never } }],
    ];
    for (const [name, options] of bad) {
      let caught: unknown;
      try {
        createCache(options);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CacheOptionError);
      expect((caught as CacheOptionError).option).toBe(name);
      expect((caught as CacheOptionError).code).toBe('CACHE_INVALID_OPTION');
    }
  });

  it('reasonHeader: false leaves the header out; a custom key groups URLs', async () => {
    const { cache } = setup({ reasonHeader: false, key: (r) => new URL(r.url).pathname });
    const { origin, calls } = scripted(reply('x', { 'cache-control': 'max-age=60' }));
    await (await cache.handle(get(`${URL_A}?utm=1`), origin)).text();
    const hit = await cache.handle(get(`${URL_A}?utm=2`), origin);
    expect(hit.headers.get('brace-cache')).toBeNull();
    expect(hit.headers.get('age')).toBe('0');
    expect(calls).toHaveLength(1);
  });
});
