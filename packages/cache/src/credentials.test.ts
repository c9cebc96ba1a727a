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

  it('a key option that drops the query string keeps the credential partition', async () => {
    const store = recordingStore();
    const { cache, events } = setup({
      store,
      key: (r) => {
        const url = new URL(r.url);
        url.search = '';
        return url.href;
      },
    });
    const { origin, calls } = perCaller('public, max-age=60');
    const a = get(`${URL_A}?api_key=${SECRET_A}&utm=1`);
    const b = get(`${URL_A}?api_key=${SECRET_B}&utm=2`);
    expect(await (await cache.handle(a, origin(a))).text()).toBe(`data of ${SECRET_A.slice(-4)}`);
    expect(await (await cache.handle(b, origin(b))).text()).toBe(`data of ${SECRET_B.slice(-4)}`);
    // The key option still groups: the same credential with another tracking parameter hits.
    const again = get(`${URL_A}?utm=3&api_key=${SECRET_A}`);
    const hit = await cache.handle(again, origin(again));
    expect(hit.headers.get('brace-cache')).toBe('fresh');
    expect(await hit.text()).toBe(`data of ${SECRET_A.slice(-4)}`);
    expect(calls()).toBe(2);
    expect(JSON.stringify({ keys: store.keys, events })).not.toContain('PLANTED_SECRET');
  });

  it('a key option that keeps credential parameters never puts them in the key', async () => {
    const store = recordingStore();
    const { cache } = setup({ store, key: (r) => r.url.replace('/v1/', '/v2/') });
    const { origin } = perCaller('public, max-age=60');
    const a = get(`${URL_A}?api_key=${SECRET_A}`);
    await (await cache.handle(a, origin(a))).text();
    expect(store.keys[0]).toMatch(/^GET https:\/\/api\.example\.com\/v2\/items #[0-9a-f]{32}$/);
    // An opaque key that is no URL is used as it is.
    const opaque = setup({ store, key: () => 'items?page=1' });
    const b = get(`${URL_A}?api_key=${SECRET_B}`);
    await (await opaque.cache.handle(b, origin(b))).text();
    expect(store.keys[1]).toMatch(/^GET items\?page=1 #[0-9a-f]{32}$/);
  });

  it('treats userinfo in the URL (user:pass@, which axios sends as Basic) as a credential', async () => {
    const store = recordingStore();
    const { cache, events } = setup({ store });
    let calls = 0;
    const origin = (who: string) => async () => {
      calls++;
      return new Response(`data of ${who}`, { headers: { 'cache-control': 'public, max-age=60' } });
    };
    const at = (user: string, secret: string) => ({
      method: 'GET',
      url: `https://${user}:${secret}@api.example.com/v1/items?q=1`,
      headers: new Headers(),
    });
    await (await cache.handle(at('alice', SECRET_A), origin('alice'))).text();
    const bob = await cache.handle(at('bob', SECRET_B), origin('bob'));
    expect(await bob.text()).toBe('data of bob');
    const anon = await cache.handle(get(`${URL_A}?q=1`), origin('anon'));
    expect(await anon.text()).toBe('data of anon');
    expect(calls).toBe(3);
    const everything = JSON.stringify({ keys: store.keys, events });
    expect(everything).not.toContain('PLANTED_SECRET');
    expect(everything).not.toContain('alice');
    expect(events[0]).toEqual([
      'miss',
      { method: 'GET', url: `${URL_A}?q=1`, revalidation: false, background: false },
    ]);
  });

  it('stores only the varied request headers, never the others', async () => {
    const store = recordingStore();
    const { cache } = setup({ store });
    let calls = 0;
    const origin = async () => {
      calls++;
      return new Response(`v${calls}`, {
        headers: { 'cache-control': 'max-age=60', vary: 'Accept' },
      });
    };
    const request = (accept: string) =>
      get(URL_A, { accept, 'x-unlisted-key': SECRET_A, traceparent: 'PLANTED_SECRET_trace' });
    await (await cache.handle(request('text/plain'), origin)).text();
    expect(JSON.stringify(store.entries.map((e) => e.meta))).not.toContain('PLANTED_SECRET');
    expect(store.entries[0]?.meta.policy.reqh).toEqual({ accept: 'text/plain' });
    // Vary still selects: the same Accept hits, another one asks.
    expect((await cache.handle(request('text/plain'), origin)).headers.get('brace-cache')).toBe(
      'fresh',
    );
    expect(await (await cache.handle(request('application/json'), origin)).text()).toBe('v2');
  });

  it('never serves a shared answer that set a cookie to another caller, unless it is public', async () => {
    const { cache, clock } = setup({ lastKnownGood: 3_600_000, staleIfErrorMs: 3_600_000 });
    let calls = 0;
    const origin = (cc: string) => async () => {
      calls++;
      return new Response(`session page ${calls}`, {
        headers: { 'cache-control': cc, 'set-cookie': `session=${SECRET_A}${calls}` },
      });
    };
    const first = await cache.handle(get(URL_A), origin('max-age=60'));
    expect(first.headers.get('set-cookie')).toBe(`session=${SECRET_A}1`);
    expect(await first.text()).toBe('session page 1');
    const other = await cache.handle(get(URL_A), origin('max-age=60'));
    expect(other.headers.get('brace-cache')).toBeNull();
    expect(await other.text()).toBe('session page 2');
    // Nor as last-known-good when the origin fails.
    await clock.advance(1_000);
    const down = await cache
      .handle(get(URL_A), async () => new Response('down', { status: 503 }))
      .then((r) => r.status);
    expect(down).toBe(503);
    // `public` opts in: stored, the cookie never replayed.
    const u = `${URL_A}/public`;
    await (await cache.handle(get(u), origin('public, max-age=60'))).text();
    const hit = await cache.handle(get(u), origin('public, max-age=60'));
    expect(hit.headers.get('brace-cache')).toBe('fresh');
    expect(hit.headers.get('set-cookie')).toBeNull();
    expect(calls).toBe(3);
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
