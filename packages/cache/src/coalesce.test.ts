import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createCache, memoryStore } from './index.js';
import { get, reply, scripted, setup, URL_A } from './test-utils/origin.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('coalescing in process', () => {
  it('makes one origin request for 100 concurrent misses', async () => {
    const { cache, events } = setup();
    const g = gate();
    let calls = 0;
    const origin = async () => {
      calls++;
      await g.opened;
      return new Response('shared', { headers: { 'cache-control': 'max-age=60' } });
    };
    const pending = Array.from({ length: 100 }, () => cache.handle(get(URL_A), origin));
    await new Promise((resolve) => setImmediate(resolve));
    g.open();
    const bodies = await Promise.all(pending.map(async (p) => (await p).text()));
    expect(new Set(bodies)).toEqual(new Set(['shared']));
    expect(calls).toBe(1);
    expect(events.filter(([k]) => k === 'coalesce')).toHaveLength(99);
  });

  it('shares an origin error, but not a caller abort', async () => {
    const { cache } = setup();
    const g = gate();
    const controller = new AbortController();
    let calls = 0;
    const origin = async () => {
      calls++;
      if (calls === 1) {
        await g.opened;
        throw controller.signal.reason;
      }
      return new Response('own', { headers: { 'cache-control': 'max-age=60' } });
    };
    const leader = cache.handle(get(URL_A), origin, { signal: controller.signal });
    const follower = cache.handle(get(URL_A), origin);
    controller.abort(new Error('leader aborted'));
    g.open();
    await expect(leader).rejects.toThrow('leader aborted');
    expect(await (await follower).text()).toBe('own');
    expect(calls).toBe(2);

    const failing = scripted(new TypeError('fetch failed'));
    const other = `${URL_A}/x`;
    const results = await Promise.allSettled([
      cache.handle(get(other), failing.origin),
      cache.handle(get(other), failing.origin),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing.calls).toHaveLength(1);
  });

  it('lets a follower whose Vary differs, or a passed-through answer, ask for itself', async () => {
    const { cache } = setup();
    let calls = 0;
    const origin = (lang: string, cc: string) => async () => {
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
      return new Response(lang, { headers: { 'cache-control': cc, vary: 'accept-language' } });
    };
    const de = cache.handle(get(URL_A, { 'accept-language': 'de' }), origin('de', 'max-age=60'));
    const en = cache.handle(get(URL_A, { 'accept-language': 'en' }), origin('en', 'max-age=60'));
    expect([await (await de).text(), await (await en).text()]).toEqual(['de', 'en']);
    const u = `${URL_A}/nostore`;
    const x = cache.handle(get(u, { 'accept-language': 'de' }), origin('a', 'no-store'));
    const y = cache.handle(get(u, { 'accept-language': 'de' }), origin('b', 'no-store'));
    expect([await (await x).text(), await (await y).text()]).toEqual(['a', 'b']);
    const z = `${URL_A}/uncached`;
    const p = cache.handle(get(z, { 'accept-language': 'de' }), origin('p', 'max-age=0'));
    const q = cache.handle(get(z, { 'accept-language': 'de' }), origin('q', 'max-age=0'));
    expect([await (await p).text(), await (await q).text()]).toEqual(['p', 'p']);
    expect(calls).toBe(5);
  });

  it('never shares an answer that sets a cookie with a follower', async () => {
    const { cache } = setup();
    let calls = 0;
    const origin = async () => {
      const n = ++calls;
      await new Promise((resolve) => setImmediate(resolve));
      return new Response(`n${n}`, {
        headers: { 'cache-control': 'max-age=0', etag: `"${n}"`, 'set-cookie': `session=s${n}` },
      });
    };
    const [a, b] = await Promise.all([
      cache.handle(get(URL_A), origin),
      cache.handle(get(URL_A), origin),
    ]);
    expect(a.headers.get('set-cookie')).toBe('session=s1');
    expect(b.headers.get('set-cookie')).toBe('session=s2');
    expect(calls).toBe(2);
  });

  it('a waiting follower gives up at once when its own signal aborts', async () => {
    const { cache } = setup();
    const g = gate();
    const origin = async () => {
      await g.opened;
      return new Response('late');
    };
    const leader = cache.handle(get(URL_A), origin);
    const controller = new AbortController();
    const follower = cache.handle(get(URL_A), origin, { signal: controller.signal });
    controller.abort(new Error('follower gave up'));
    await expect(follower).rejects.toThrow('follower gave up');
    const already = cache.handle(get(URL_A), origin, { signal: controller.signal });
    await expect(already).rejects.toThrow('follower gave up');
    g.open();
    expect(await (await leader).text()).toBe('late');
  });

  it('can be turned off', async () => {
    const { cache } = setup({ coalesce: false });
    const { origin, calls } = scripted(reply('x', { 'cache-control': 'max-age=60' }));
    await Promise.all([cache.handle(get(URL_A), origin), cache.handle(get(URL_A), origin)]);
    expect(calls).toHaveLength(2);
  });
});

describe('coalescing through the store lock (two caches, one store)', () => {
  it('the second cache waits for the first one’s stored result', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ clock });
    const events: unknown[] = [];
    const a = createCache({ store, clock });
    const b = createCache({
      store,
      clock,
      coalesce: { pollMs: 10, lockMs: 1_000 },
      onCoalesce: (e) => events.push(e),
    });
    const g = gate();
    let calls = 0;
    const origin = async () => {
      calls++;
      await g.opened;
      return new Response('once', { headers: { 'cache-control': 'max-age=60' } });
    };
    const first = a.handle(get(URL_A), origin);
    await new Promise((resolve) => setImmediate(resolve));
    const second = b.handle(get(URL_A), origin);
    await clock.advance(10);
    await clock.advance(10);
    g.open();
    expect(await (await first).text()).toBe('once');
    await clock.advance(10);
    const answer = await second;
    expect(await answer.text()).toBe('once');
    expect(answer.headers.get('brace-cache')).toBe('fresh');
    expect(calls).toBe(1);
    expect(events).toEqual([{ method: 'GET', url: URL_A, scope: 'store' }]);
  });

  it('takes over when the holder releases without a result, or after lockMs', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ clock });
    const a = createCache({ store, clock });
    const b = createCache({ store, clock, coalesce: { pollMs: 10, lockMs: 100 } });
    const g = gate();
    let calls = 0;
    const origin = async () => {
      calls++;
      if (calls === 1) await g.opened;
      return new Response(`n${calls}`, { headers: { 'cache-control': 'no-store' } });
    };
    const first = a.handle(get(URL_A), origin);
    await new Promise((resolve) => setImmediate(resolve));
    const second = b.handle(get(URL_A), origin);
    await clock.advance(10);
    g.open();
    expect(await (await first).text()).toBe('n1');
    await clock.advance(10);
    expect(await (await second).text()).toBe('n2');

    // A holder that never finishes: the waiter asks for itself after lockMs.
    const stuck = a.handle(get(`${URL_A}/s`), () => new Promise<Response>(() => {}));
    await new Promise((resolve) => setImmediate(resolve));
    const waiter = b.handle(get(`${URL_A}/s`), async () => new Response('mine'));
    for (let i = 0; i < 12; i++) await clock.advance(10);
    expect(await (await waiter).text()).toBe('mine');
    void stuck;
  });
});
