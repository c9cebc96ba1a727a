// Origin down: after one connection error or timeout, GETs with a usable stale entry are answered
// at once (the transport is not asked again for `originDownMs`), one background probe per half
// window finds out when the origin is back. Real loopback server and real fetch for the
// transport failures; the cache's clock is injected.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from './context.js';
import {
  DEFAULT_ORIGIN_DOWN_MS,
  downReason,
  downState,
  MAX_DOWN_ORIGINS,
  markFailure,
  originOf,
} from './down.js';
import { cachedFetch } from './fetch.js';
import { CacheOptionError, cacheStatusOf, createCache } from './index.js';
import { loopback, refusedUrl } from './test-utils/server.js';

const KEYS = 10;
type Mode = 'up' | 'refused' | 'hang' | '503';

describe('origin down (originDownMs)', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  let refused: string;
  // Even keys allow stale-if-error (the cache's window); odd keys say must-revalidate.
  const items = (req: { url?: string | undefined }, res: import('node:http').ServerResponse) => {
    const n = Number((req.url ?? '').split('/').pop());
    res.writeHead(200, {
      'cache-control': n % 2 === 0 ? 'max-age=60' : 'max-age=60, must-revalidate',
    });
    res.end(`item ${n}`);
  };
  beforeAll(async () => {
    server = await loopback(items);
    refused = await refusedUrl();
  });
  afterAll(() => server.close());
  afterEach(() => server.set(items));

  async function warmed(options: { originDownMs?: number } = {}) {
    let now = Date.now();
    let mode: Mode = 'up';
    let breakerOpen = false;
    const calls: Array<Promise<unknown>> = [];
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
      originBlocked: () => (breakerOpen ? 'breaker-open' : undefined),
      ...options,
    });
    const inner = (input: Request | string | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      let call: Promise<Response>;
      if (mode === 'refused') call = fetch(url.replace(server.url, refused), init);
      else if (mode === '503') call = Promise.resolve(new Response('down', { status: 503 }));
      else if (mode === 'hang') call = fetch(url, { ...init, signal: AbortSignal.timeout(30) });
      else call = fetch(url, init);
      calls.push(call.catch(() => undefined));
      return call;
    };
    const get = cachedFetch(cache, { fetch: inner });
    for (let n = 0; n < KEYS; n++) await (await get(`${server.url}/items/${n}`)).text();
    now += 120_000; // all stale: the even ones within their stale-if-error window
    calls.length = 0;
    return {
      cache,
      get,
      calls,
      set(next: Mode, open = false) {
        mode = next;
        breakerOpen = open;
      },
      later(ms: number) {
        now += ms;
      },
      /** Waits for every origin call so far, then for the cache to handle their answers. */
      async settle() {
        await Promise.all(calls);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    };
  }

  const hanging = () => server.set(() => {});
  const answering = () =>
    server.set((req, res) => {
      const n = Number((req.url ?? '').split('/').pop());
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end(`new ${n}`);
    });

  for (const [mode, reason, originCalls] of [
    ['refused', 'stale-if-error: network', 1],
    ['hang', 'stale-if-error: timeout', 1],
    ['503', 'stale-if-error: 503', KEYS / 2],
    ['breaker', 'stale: breaker-open', 0],
  ] as const) {
    it(`${mode}: every GET in its window is served stale and marked "${reason}"; origin asked ${originCalls} time(s)`, async () => {
      const w = await warmed();
      if (mode === 'hang') hanging();
      w.set(mode === 'breaker' ? 'up' : mode, mode === 'breaker');
      const seen = server.seen.length;
      for (let n = 0; n < KEYS; n += 2) {
        const r = await w.get(`${server.url}/items/${n}`);
        expect(r.status).toBe(200);
        expect(await r.text()).toBe(`item ${n}`);
        expect(r.headers.get('brace-cache')).toBe(reason);
        expect(cacheStatusOf(r)?.reason).toBe(reason);
        expect(r.headers.get('age')).toBe('120');
      }
      expect(w.calls.length).toBe(originCalls);
      if (mode === 'breaker') expect(server.seen.length).toBe(seen); // origin untouched
    });
  }

  it('entries that may not be served stale still go to the origin while it is down', async () => {
    const w = await warmed();
    w.set('refused');
    expect((await w.get(`${server.url}/items/0`)).headers.get('brace-cache')).toBe(
      'stale-if-error: network',
    );
    await expect(w.get(`${server.url}/items/1`)).rejects.toThrow(); // must-revalidate
    expect(w.calls.length).toBe(2);
  });

  it('probes in the background once per half window; a probe that answers ends it', async () => {
    const w = await warmed();
    w.set('refused');
    await (await w.get(`${server.url}/items/0`)).text();
    expect(w.calls.length).toBe(1);
    w.later(DEFAULT_ORIGIN_DOWN_MS / 2); // probe due; it fails: still down, no caller waits
    const probed = await w.get(`${server.url}/items/2`);
    expect(probed.headers.get('brace-cache')).toBe('stale-if-error: network');
    await w.settle();
    expect(w.calls.length).toBe(2);
    await (await w.get(`${server.url}/items/2`)).text();
    expect(w.calls.length).toBe(2); // no second probe within the half window
    w.later(DEFAULT_ORIGIN_DOWN_MS / 2);
    answering();
    w.set('up');
    const last = await w.get(`${server.url}/items/4`);
    expect(last.headers.get('brace-cache')).toBe('stale-if-error: network');
    await w.settle();
    expect(w.calls.length).toBe(3);
    // The probe stored the origin's new answer and ended the down state.
    const fresh = await w.get(`${server.url}/items/4`);
    expect(fresh.headers.get('brace-cache')).toBe('fresh');
    expect(await fresh.text()).toBe('new 4');
    const other = await w.get(`${server.url}/items/6`);
    expect(cacheStatusOf(other)).toBeUndefined(); // asked the origin, which is up again
    expect(await other.text()).toBe('new 6');
  });

  it('past the window, a request waits for the origin again', async () => {
    const w = await warmed();
    w.set('refused');
    await (await w.get(`${server.url}/items/0`)).text();
    w.later(DEFAULT_ORIGIN_DOWN_MS);
    w.set('503');
    const r = await w.get(`${server.url}/items/0`);
    expect(r.headers.get('brace-cache')).toBe('stale-if-error: 503');
    expect(w.calls.length).toBe(2);
  });

  it('originDownMs: 0 asks the transport every time', async () => {
    const w = await warmed({ originDownMs: 0 });
    w.set('refused');
    for (let n = 0; n < KEYS; n += 2) {
      expect((await w.get(`${server.url}/items/${n}`)).headers.get('brace-cache')).toBe(
        'stale-if-error: network',
      );
    }
    expect(w.calls.length).toBe(KEYS / 2);
  });

  it('match() answers stale while the origin is down (the ky beforeRequest path)', async () => {
    const w = await warmed();
    w.set('refused');
    await (await w.get(`${server.url}/items/0`)).text();
    const matched = await w.cache.match(new Request(`${server.url}/items/2`));
    expect(matched?.headers.get('brace-cache')).toBe('stale-if-error: network');
    expect(await w.cache.match(new Request(`${server.url}/items/1`))).toBeUndefined();
    expect(w.calls.length).toBe(1);
  });

  it('rejects a bad originDownMs', () => {
    expect(() => createCache({ originDownMs: -1 })).toThrow(CacheOptionError);
    expect(() => createCache({ originDownMs: 1.5 })).toThrow(/originDownMs/);
  });
});

describe('down state', () => {
  it('keys origins by scheme, host and port', () => {
    expect(originOf('https://api.example.com/v1/rates?x=1')).toBe('https://api.example.com');
    expect(originOf('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(originOf('opaque-key')).toBe('opaque-key');
  });

  it('remembers at most MAX_DOWN_ORIGINS origins, the oldest mark going first; other failures are not remembered', () => {
    let now = 0;
    const ctx = {
      originDownMs: 1000,
      down: downState(),
      clock: { now: () => now, sleep: async () => {} },
    } as unknown as Context;
    for (let i = 0; i <= MAX_DOWN_ORIGINS; i++) markFailure(ctx, `http://h${i}/x`, 'network');
    expect(ctx.down.until.size).toBe(MAX_DOWN_ORIGINS);
    expect(downReason(ctx, 'http://h0/x')).toBeUndefined();
    expect(downReason(ctx, `http://h${MAX_DOWN_ORIGINS}/y`)).toBe('network');
    markFailure(ctx, 'http://other/x', '503');
    markFailure(ctx, 'http://other/x', 'error');
    expect(downReason(ctx, 'http://other/x')).toBeUndefined();
    now = 1000;
    expect(downReason(ctx, 'http://h1/x')).toBeUndefined(); // expired, and forgotten
    expect(ctx.down.until.has('http://h1')).toBe(false);
  });
});
