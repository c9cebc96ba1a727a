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
