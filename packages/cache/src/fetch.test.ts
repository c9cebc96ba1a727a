import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedFetch } from './fetch.js';
import { createCache } from './index.js';
import { json, loopback, refusedUrl } from './test-utils/server.js';

describe('cachedFetch against a real loopback server', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  beforeAll(async () => {
    server = await loopback(json({ v: 1 }, { 'cache-control': 'max-age=60', etag: '"1"' }));
  });
  afterAll(() => server.close());

  it('answers a repeat from the cache, and revalidates with the validators', async () => {
    let now = Date.now();
    const cache = createCache({ clock: { now: () => now, sleep: async () => {} } });
    const get = cachedFetch(cache);
    const before = server.seen.length;
    expect(await (await get(`${server.url}/a`)).json()).toEqual({ v: 1 });
    const hit = await get(new Request(`${server.url}/a`));
    expect(hit.headers.get('brace-cache')).toBe('fresh');
    expect(await hit.json()).toEqual({ v: 1 });
    expect(server.seen.length - before).toBe(1);
    server.set((req, res) => {
      res.writeHead(req.headers['if-none-match'] === '"1"' ? 304 : 500, {
        'cache-control': 'max-age=60',
        etag: '"1"',
      });
      res.end();
    });
    now += 61_000;
    const revalidated = await get(`${server.url}/a`, { headers: { accept: 'application/json' } });
    expect(revalidated.headers.get('brace-cache')).toBe('revalidated');
    now += 61_000;
    const viaRequest = await get(new Request(`${server.url}/a`), { method: 'GET' });
    expect(viaRequest.headers.get('brace-cache')).toBe('revalidated');
    now += 61_000;
    const requestOnly = await get(new Request(`${server.url}/a`));
    expect(requestOnly.headers.get('brace-cache')).toBe('revalidated');
    expect(server.seen.length - before).toBe(4);
  });

  it('serves stale when the origin refuses connections, times out, or answers 503', async () => {
    let now = Date.now();
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
      // Each failure mode in turn, with the clock stopped: no memory of the previous failure
      // (down.test.ts covers `originDownMs`).
      originDownMs: 0,
    });
    server.set(json({ v: 2 }, { 'cache-control': 'max-age=1' }));
    let target = server.url;
    const get = cachedFetch(cache, {
      fetch: (input, init) => fetch(String(input).replace(server.url, target), init),
    });
    await (await get(`${server.url}/b`)).json();
    now += 5_000;
    target = await refusedUrl();
    const refused = await get(`${server.url}/b`);
    expect(refused.headers.get('brace-cache')).toBe('stale-if-error: network');
    expect(await refused.json()).toEqual({ v: 2 });
    target = server.url;
    server.set(() => {});
    const slow = await get(`${server.url}/b`, { signal: AbortSignal.timeout(50) });
    // The caller's deadline (AbortSignal.timeout) counts as a timeout, not as a cancellation.
    expect(slow.headers.get('brace-cache')).toBe('stale-if-error: timeout');
    server.set(json({ down: true }, {}, 503));
    const down = await get(`${server.url}/b`);
    expect(down.headers.get('brace-cache')).toBe('stale-if-error: 503');
  });
});

describe('cachedFetch and streaming answers', () => {
  it('passes an event stream that will not be kept through as it streams (no-cache, max-age=0)', async () => {
    const server = await loopback((req, res) => {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': req.url === '/no-cache' ? 'no-cache' : 'max-age=0',
      });
      res.write('data: first\n\n'); // the rest never comes while the test reads
    });
    try {
      const bypassed: string[] = [];
      const get = cachedFetch(createCache({ onBypass: (e) => bypassed.push(e.reason) }));
      for (const path of ['/no-cache', '/max-age-0']) {
        const response = await get(`${server.url}${path}`);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const { value } = await reader.read();
        expect(new TextDecoder().decode(value)).toBe('data: first\n\n');
        await reader.cancel();
      }
      expect(bypassed).toEqual(['not-storable', 'not-storable']);
    } finally {
      await server.close();
    }
  });
});

describe('cachedFetch and the Fetch cache mode', () => {
  it('honours cache: no-store, reload and no-cache as fetch does', async () => {
    let n = 0;
    const server = await loopback((req, res) => {
      n++;
      if (req.headers['if-none-match'] === `"${n - 1}"`) {
        res.writeHead(304, { etag: `"${n - 1}"`, 'cache-control': 'max-age=60' });
        res.end();
        return;
      }
      res.writeHead(200, { etag: `"${n}"`, 'cache-control': 'max-age=60' });
      res.end(`v${n}`);
    });
    try {
      const bypassed: string[] = [];
      const get = cachedFetch(
        createCache({ staleWhileRevalidateMs: 60_000, onBypass: (e) => bypassed.push(e.reason) }),
      );
      const url = `${server.url}/mode`;
      expect(await (await get(url)).text()).toBe('v1');
      // no-store: to the origin, nothing read or written.
      const noStore = await get(url, { cache: 'no-store' });
      expect(noStore.headers.get('brace-cache')).toBeNull();
      expect(await noStore.text()).toBe('v2');
      expect(bypassed).toEqual(['cache-mode']);
      expect(await (await get(url)).text()).toBe('v1');
      // reload: to the origin without validators; its answer replaces the entry.
      const reload = await get(new Request(url, { cache: 'reload' }));
      expect(reload.headers.get('brace-cache')).toBeNull();
      expect(await reload.text()).toBe('v3');
      expect(server.seen.at(-1)?.headers['if-none-match']).toBeUndefined();
      expect(await (await get(url)).text()).toBe('v3');
      // no-cache: a fresh entry is revalidated first.
      const noCache = await get(url, { cache: 'no-cache' });
      expect(server.seen.at(-1)?.headers['if-none-match']).toBe('"3"');
      expect(noCache.headers.get('brace-cache')).toBe('revalidated');
      expect(await noCache.text()).toBe('v3');
      expect(server.seen).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});

describe('cachedFetch and stale-while-revalidate', () => {
  it("the background refresh outlives the caller's signal", async () => {
    let n = 0;
    const server = await loopback((_req, res) => {
      n++;
      const body = `v${n}`;
      res.writeHead(200, { 'cache-control': 'max-age=1, stale-while-revalidate=600' });
      setTimeout(() => res.end(body), 20);
    });
    try {
      let now = Date.now();
      const stored: unknown[] = [];
      const refreshErrors: unknown[] = [];
      let onStored!: () => void;
      const cache = createCache({
        clock: { now: () => now, sleep: async () => {} },
        onStore: (e) => {
          stored.push(e);
          onStored?.();
        },
        onRefreshError: (e) => refreshErrors.push(e.error),
      });
      const get = cachedFetch(cache);
      const call = async () => {
        const controller = new AbortController();
        try {
          const response = await get(`${server.url}/swr`, { signal: controller.signal });
          return [response.headers.get('brace-cache'), await response.text()];
        } finally {
          controller.abort(); // the caller is done: a common clean-up
        }
      };
      expect(await call()).toEqual([null, 'v1']);
      now += 2_000;
      const refreshed = new Promise<void>((resolve) => {
        onStored = resolve;
      });
      expect(await call()).toEqual(['stale-while-revalidate', 'v1']);
      await refreshed;
      expect(refreshErrors).toEqual([]);
      expect(await call()).toEqual(['fresh', 'v2']);
      expect(stored).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
