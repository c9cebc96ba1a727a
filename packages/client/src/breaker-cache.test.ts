import { type CacheEntry, type CacheStore, cacheStatusOf, createCache } from '@brace/cache';
import { afterEach, describe, expect, it } from 'vitest';
import { createFetch } from './fetch.js';
import { defineIntegration } from './index.js';
import { instantClock, type Loopback, loopback } from './test-utils/server.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TOKEN = 'tok-4f1c9a-secret';

/** A memory store that remembers every key and entry written, to look for the credential. */
function recordingStore(): CacheStore & { written: string[] } {
  const map = new Map<string, CacheEntry>();
  const written: string[] = [];
  return {
    written,
    get: (key) => map.get(key),
    set: (key, entry) => {
      written.push(key, JSON.stringify(entry.meta), new TextDecoder().decode(entry.body));
      map.set(key, entry);
    },
    delete: (key) => {
      map.delete(key);
    },
  };
}

/**
 * A loopback provider with an outage switch: `/v1/fresh` is fresh for 60 s, `/v1/stale` for 1 s
 * and servable stale for an hour after an error (both `private`), `/v1/public` the same as
 * `/v1/stale` for callers without a credential; `/v1/down` has no cache entry. While down,
 * everything answers 503.
 */
async function provider(): Promise<Loopback & { down: boolean }> {
  const state = { down: false };
  const answer = (cacheControl: string, body: object) => () =>
    state.down ? { status: 503, body: {} } : { headers: { 'cache-control': cacheControl }, body };
  const lb = await loopback({
    'GET /v1/fresh': answer('private, max-age=60', { fresh: 1 }),
    'GET /v1/stale': answer('private, max-age=1, stale-if-error=3600', { stale: 1 }),
    'GET /v1/public': answer('max-age=1, stale-if-error=3600', { public: 1 }),
    'GET /v1/down': () => (state.down ? { status: 503, body: {} } : { body: {} }),
  });
  return Object.defineProperty(lb, 'down', {
    get: () => state.down,
    set: (value: boolean) => {
      state.down = value;
    },
  }) as Loopback & { down: boolean };
}

const options = (url: string, clock: ReturnType<typeof instantClock>, store: CacheStore) => ({
  name: 'cached',
  baseUrl: `${url}v1/`,
  warn: false as const,
  clock,
  auth: { token: TOKEN },
  retry: false as const,
  breaker: { consecutiveFailures: 2, breakDurationMs: 60_000 },
  cache: { store },
});

const originCalls = (lb: Loopback) =>
  lb.count('GET /v1/fresh') +
  lb.count('GET /v1/stale') +
  lb.count('GET /v1/public') +
  lb.count('GET /v1/down');

describe('with auth on, an open breaker does not fail what the cache can serve', () => {
  it('ky form: fresh from cache, stale marked breaker-open, the origin untouched while open', async () => {
    const p = await provider();
    server = p;
    const clock = instantClock();
    const store = recordingStore();
    const api = defineIntegration(options(p.url, clock, store));
    expect(await api.get('fresh').json()).toEqual({ fresh: 1 });
    expect(await api.get('stale').json()).toEqual({ stale: 1 });
    expect(p.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    p.down = true;
    for (let i = 0; i < 2; i++) await api.get('down').catch(() => undefined);
    expect(api.stats().breaker).toBe('open');
    await clock.sleep(5_000); // /v1/stale is past its max-age, within stale-if-error
    const before = originCalls(p);

    const fresh = await api.get('fresh');
    expect(await fresh.json()).toEqual({ fresh: 1 });
    expect(cacheStatusOf(fresh)?.reason).toBe('fresh');
    const stale = await api.get('stale');
    expect(await stale.json()).toEqual({ stale: 1 });
    expect(cacheStatusOf(stale)?.reason).toBe('stale: breaker-open');
    await expect(api.get('down')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(originCalls(p)).toBe(before);

    // The credential reached the cache only as the partition's hash.
    expect(store.written.length).toBeGreaterThan(0);
    expect(store.written.join('\n')).not.toContain(TOKEN);
  });

  it('ky form without auth: the stale entry is served the same way', async () => {
    const p = await provider();
    server = p;
    const clock = instantClock();
    const { auth: _none, ...plain } = options(p.url, clock, recordingStore());
    const api = defineIntegration(plain);
    await api.get('public').json(); // without a credential, a `private` answer is not kept
    p.down = true;
    for (let i = 0; i < 2; i++) await api.get('down').catch(() => undefined);
    await clock.sleep(5_000);
    const before = originCalls(p);
    const stale = await api.get('public');
    expect(await stale.json()).toEqual({ public: 1 });
    expect(cacheStatusOf(stale)?.reason).toBe('stale: breaker-open');
    expect(originCalls(p)).toBe(before);
  });

  it('ky form: entries are per credential: another token gets no answer from them', async () => {
    const p = await provider();
    server = p;
    const clock = instantClock();
    const store = recordingStore();
    const cache = createCache({ clock, store });
    const first = defineIntegration({ ...options(p.url, clock, store), cache });
    const second = defineIntegration({
      ...options(p.url, clock, store),
      cache,
      auth: { token: 'other' },
    });
    await first.get('fresh').json();
    await second.get('fresh').json();
    expect(p.count('GET /v1/fresh')).toBe(2);
  });

  it('fetch form: the same', async () => {
    const p = await provider();
    server = p;
    const clock = instantClock();
    const store = recordingStore();
    const f = createFetch(options(p.url, clock, store));
    expect(await (await f('fresh')).json()).toEqual({ fresh: 1 });
    expect(await (await f('stale')).json()).toEqual({ stale: 1 });

    p.down = true;
    for (let i = 0; i < 2; i++) await f('down');
    expect(f.stats().breaker).toBe('open');
    await clock.sleep(5_000);
    const before = originCalls(p);

    const fresh = await f('fresh');
    expect(cacheStatusOf(fresh)?.reason).toBe('fresh');
    const stale = await f('stale');
    expect(await stale.json()).toEqual({ stale: 1 });
    expect(cacheStatusOf(stale)?.reason).toBe('stale: breaker-open');
    await expect(f('down')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(originCalls(p)).toBe(before);
    expect(store.written.join('\n')).not.toContain(TOKEN);
  });
});
