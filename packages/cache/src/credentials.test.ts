import { describe, expect, it } from 'vitest';
import { type CacheEntry, type CacheStore, memoryStore } from './index.js';
import { get, setup, URL_A } from './test-utils/origin.js';

const SECRET_A = 'sk_live_PLANTED_SECRET_AAAA_1234567890';
const SECRET_B = 'sk_live_PLANTED_SECRET_BBBB_0987654321';

/** An origin that answers each caller with its own data, cacheable for everyone who may. */
function perCaller(cacheControl = 'max-age=60') {
  let calls = 0;
  const origin = (request: Request) => async () => {
    calls++;
    const who =
      request.headers.get('authorization') ??
      request.headers.get('x-api-key') ??
      request.headers.get('cookie') ??
      new URL(request.url).searchParams.get('api_key') ??
      'anonymous';
    return new Response(`data of ${who.slice(-4)}`, { headers: { 'cache-control': cacheControl } });
  };
  return { origin, calls: () => calls };
}

function recordingStore(): CacheStore & { keys: string[]; entries: CacheEntry[] } {
  const inner = memoryStore();
  const keys: string[] = [];
  const entries: CacheEntry[] = [];
  return {
    keys,
    entries,
    get: (key) => inner.get(key),
    set(key, entry, ttl) {
      keys.push(key);
      entries.push(entry);
      return inner.set(key, entry, ttl);
    },
    delete: (key) => inner.delete(key),
  };
}

describe('credential partitions (planted secrets)', () => {
  for (const [what, make] of [
    ['Authorization', (s: string) => get(URL_A, { authorization: `Bearer ${s}` })],
    ['x-api-key', (s: string) => get(URL_A, { 'x-api-key': s })],
    ['an api_key query parameter', (s: string) => get(`${URL_A}?page=2&api_key=${s}`)],
    ['a Cookie', (s: string) => get(URL_A, { cookie: `session=${s}` })],
  ] as const) {
    it(`never serves one ${what} caller's answer to another, and never stores or reports the secret`, async () => {
      const store = recordingStore();
      const { cache, events } = setup({ store });
      const { origin, calls } = perCaller('private, max-age=60');
      const a = make(SECRET_A);
      const b = make(SECRET_B);
      const anon = get(URL_A.concat(what.includes('query') ? '?page=2' : ''));
      const answerA = await (await cache.handle(a, origin(a))).text();
      const answerB = await (await cache.handle(b, origin(b))).text();
      expect(answerB).not.toBe(answerA);
      const hitA = await cache.handle(make(SECRET_A), origin(a));
      expect(await hitA.text()).toBe(answerA);
      expect(hitA.headers.get('brace-cache')).toBe('fresh');
      const hitB = await cache.handle(make(SECRET_B), origin(b));
      expect(await hitB.text()).toBe(answerB);
      // Without the credential: a private answer is never shared.
      expect(await (await cache.handle(anon, origin(anon))).text()).toBe('data of mous');
      expect(calls()).toBe(3);
      const everything = JSON.stringify({
        keys: store.keys,
        meta: store.entries.map((e) => e.meta),
        events,
      });
      expect(everything).not.toContain('PLANTED_SECRET');
      expect(everything).not.toContain('sk_live');
    });
  }

  it('also partitions public answers to credentialed requests', async () => {
    const { cache } = setup();
    const { origin, calls } = perCaller('public, max-age=60');
    const a = get(URL_A, { authorization: `Bearer ${SECRET_A}` });
    const b = get(URL_A, { authorization: `Bearer ${SECRET_B}` });
    await (await cache.handle(a, origin(a))).text();
    expect(await (await cache.handle(b, origin(b))).text()).toBe(`data of ${SECRET_B.slice(-4)}`);
    const anon = get(URL_A);
    expect(await (await cache.handle(anon, origin(anon))).text()).toBe('data of mous');
    expect(calls()).toBe(3);
  });

  it('redacts credential parameters in events', async () => {
    const { cache, events } = setup();
    const request = get(`${URL_A}?api_key=${SECRET_A}&q=1`);
    const { origin } = perCaller();
    await (await cache.handle(request, origin(request))).text();
    expect(events[0]).toEqual([
      'miss',
      {
        method: 'GET',
        url: `${URL_A}?api_key=REDACTED&q=1`,
        revalidation: false,
        background: false,
      },
    ]);
  });

  it('takes custom credential names', async () => {
    const { cache } = setup({ credentials: { headers: ['x-tenant-token'], params: [] } });
    const { origin, calls } = perCaller('public, max-age=60');
    const a = get(URL_A, { 'x-tenant-token': 'one' });
    const b = get(URL_A, { 'x-tenant-token': 'two' });
    await (await cache.handle(a, origin(a))).text();
    await (await cache.handle(b, origin(b))).text();
    // Authorization is no longer a credential here: shared-cache rules apply to it (not stored).
    const c = get(`${URL_A}?api_key=x`);
    await (await cache.handle(c, origin(c))).text();
    await (await cache.handle(get(`${URL_A}?api_key=x`), origin(c))).text();
    expect(calls()).toBe(3);
  });

  it('hashes many credentials with a bounded memo', async () => {
    const { cache } = setup({ store: memoryStore({ maxEntries: 5000 }) });
    const { origin, calls } = perCaller('private, max-age=60');
    for (let i = 0; i < 1100; i++) {
      const r = get(URL_A, { authorization: `Bearer t${i}` });
      await (await cache.handle(r, origin(r))).arrayBuffer();
    }
    const first = get(URL_A, { authorization: 'Bearer t0' });
    expect((await cache.handle(first, origin(first))).headers.get('brace-cache')).toBe('fresh');
    expect(calls()).toBe(1100);
  });
});

describe('Vary on a credential header', () => {
  it('stores neither the credential nor its hash input in the entry, and still partitions', async () => {
    const store = recordingStore();
    const { cache, clock } = setup({ store });
    let calls = 0;
    const origin = (r: Request) => async () => {
      calls++;
      return new Response(`for ${r.headers.get('authorization')?.slice(-4)}`, {
        headers: { 'cache-control': 'private, max-age=60', vary: 'Authorization, Accept' },
      });
    };
    const a = get(URL_A, { authorization: `Bearer ${SECRET_A}`, accept: 'text/plain' });
    await (await cache.handle(a, origin(a))).text();
    await clock.advance(1_000);
    const again = get(URL_A, { authorization: `Bearer ${SECRET_A}`, accept: 'text/plain' });
    const hit = await cache.handle(again, origin(again));
    expect(hit.headers.get('brace-cache')).toBe('fresh');
    const b = get(URL_A, { authorization: `Bearer ${SECRET_B}`, accept: 'text/plain' });
    expect(await (await cache.handle(b, origin(b))).text()).toBe(`for ${SECRET_B.slice(-4)}`);
    expect(calls).toBe(2);
    expect(JSON.stringify(store.entries.map((e) => e.meta))).not.toContain('PLANTED_SECRET');
    expect(store.entries[0]?.meta.vary).toEqual({ authorization: 'present', accept: 'text/plain' });
  });

  it('a throwing originBlocked predicate does not break the request; handle works unbound', async () => {
    const { cache, clock } = setup({
      staleIfErrorMs: 60_000,
      originBlocked: () => {
        throw new Error('predicate bug');
      },
    });
    const { handle } = cache;
    let n = 0;
    const origin = async () =>
      new Response(`v${++n}`, { headers: { 'cache-control': 'max-age=1' } });
    await (await handle(get(URL_A), origin)).text();
    await clock.advance(2_000);
    expect(await (await handle(get(URL_A), origin)).text()).toBe('v2');
    expect((await handle(new Request(URL_A, { method: 'DELETE' }), origin)).status).toBe(200);
  });
});
