import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { IdempotencyOptionError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { runStoreConformance } from './testing.js';

const clock = manualClock({ now: 1_000_000 });
runStoreConformance(
  'memoryStore (manual clock)',
  () => memoryStore({ maxEntries: 10_000, clock }),
  {
    clock,
  },
);

// Real time, short TTLs: the path adapters on database servers take.
runStoreConformance('memoryStore (real time)', () => memoryStore({ maxEntries: 10_000 }), {
  shortTtlMs: 40,
  teardown: (store) => (store as ReturnType<typeof memoryStore>).clear(),
});

const long = { lockTtlMs: 60_000, ttlMs: 60_000 };
const key = (k: string) => ({ scope: 's', key: k });

describe('memoryStore', () => {
  it('rejects a bad maxEntries, naming the option', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 10_000_001]) {
      expect(() => memoryStore({ maxEntries: bad })).toThrow(IdempotencyOptionError);
    }
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(memoryStore().size).toBe(0);
  });

  it('evicts the least recently used record when full', async () => {
    const store = memoryStore({ maxEntries: 2, clock: manualClock({ now: 0 }) });
    const a = await store.begin(key('a'), 'f', long);
    await store.begin(key('b'), 'f', long);
    // Touch a: b becomes the least recently used.
    expect((await store.begin(key('a'), 'f', long)).status).toBe('in-progress');
    await store.begin(key('c'), 'f', long);
    expect(store.size).toBe(2);
    expect((await store.begin(key('a'), 'f', long)).status).toBe('in-progress');
    expect((await store.begin(key('b'), 'f', long)).status).toBe('acquired');
    // c was evicted by b's re-insert; d now evicts a, whose owner's complete resolves false.
    await store.begin(key('d'), 'f', long);
    if (a.status !== 'acquired') throw new Error('expected acquired');
    expect(
      await store.complete(
        key('a'),
        a.token,
        { status: 200, headers: [], body: new Uint8Array() },
        long,
      ),
    ).toBe(false);
  });

  it('sweeps expired records on insert, so expiry frees room before eviction', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 100, clock });
    await store.begin(key('old1'), 'f', { lockTtlMs: 10, ttlMs: 10 });
    await store.begin(key('old2'), 'f', { lockTtlMs: 10, ttlMs: 10 });
    await store.begin(key('live'), 'f', long);
    expect(store.size).toBe(3);
    await clock.advance(11);
    await store.begin(key('new'), 'f', long);
    expect(store.size).toBe(2);
    store.clear();
    expect(store.size).toBe(0);
  });

  it('keeps an in-progress claim at least lockTtlMs even when ttlMs is shorter', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 10, clock });
    await store.begin(key('k'), 'f', { lockTtlMs: 100, ttlMs: 10 });
    await clock.advance(50);
    expect(await store.begin(key('k'), 'f', { lockTtlMs: 100, ttlMs: 10 })).toEqual({
      status: 'in-progress',
      retryAfterMs: 50,
    });
  });

  it('stays bounded with O(1) work per call: 3× maxEntries inserts, expired ones swept', async () => {
    const clock = manualClock({ now: 0 });
    const max = 1000;
    const store = memoryStore({ maxEntries: max, clock });
    const short = { lockTtlMs: 10, ttlMs: 10 };
    const record = { status: 200, headers: [], body: new Uint8Array([1]) };
    // Interleave touched, completed and short-lived keys so the recency list is churned.
    for (let i = 0; i < 3 * max; i++) {
      const r = await store.begin(key(`k${i}`), 'f', i % 2 === 0 ? long : short);
      if (r.status !== 'acquired') throw new Error('expected acquired');
      if (i % 3 === 0) await store.complete(key(`k${i}`), r.token, record, long);
      if (i % 5 === 0 && i > 0) await store.begin(key(`k${i - 1}`), 'f', long);
      expect(store.size).toBeLessThanOrEqual(max);
    }
    expect(store.size).toBe(max);
    // The newest keys survived eviction; the oldest were evicted.
    expect((await store.begin(key(`k${3 * max - 2}`), 'f', long)).status).toBe('in-progress');
    expect((await store.begin(key('k0'), 'f', long)).status).toBe('acquired');
    // Everything still held expires; a few inserts per entry sweep it all, without lookups.
    await clock.advance(700_000);
    const live = { lockTtlMs: 1_000_000, ttlMs: 1_000_000 };
    for (let i = 0; i < max / 2; i++) await store.begin(key(`n${i}`), 'f', live);
    expect(store.size).toBe(max / 2);
    for (let i = 0; i < max / 2; i++) {
      expect((await store.begin(key(`n${i}`), 'f', live)).status).toBe('in-progress');
    }
  });

  it('sweeps expired records that sit behind live ones in recency order', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 100, clock });
    await store.begin(key('live1'), 'f', long);
    await store.begin(key('live2'), 'f', long);
    for (let i = 0; i < 10; i++) await store.begin(key(`old${i}`), 'f', { lockTtlMs: 5, ttlMs: 5 });
    expect(store.size).toBe(12);
    await clock.advance(6);
    for (let i = 0; i < 4; i++) await store.begin(key(`new${i}`), 'f', long);
    expect(store.size).toBe(6);
  });

  it('keeps sweeping correctly when the entry under the sweep hand is touched or released', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 100, clock });
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await store.begin(key(`e${i}`), 'f', i < 6 ? long : { lockTtlMs: 5, ttlMs: 5 });
      if (r.status !== 'acquired') throw new Error('expected acquired');
      tokens.push(r.token);
    }
    // Touch and release entries while the sweep hand walks the list.
    await store.begin(key('x'), 'f', long);
    expect((await store.begin(key('e4'), 'f', long)).status).toBe('in-progress');
    expect(await store.release(key('e5'), tokens[5] as string)).toBe(true);
    await clock.advance(6);
    for (let i = 0; i < 6; i++) await store.begin(key(`y${i}`), 'f', long);
    // e0..e4, x and y0..y5 live; e6..e11 expired and swept.
    expect(store.size).toBe(12);
    // Releasing the newest and the only entries keeps the list consistent.
    const solo = memoryStore({ maxEntries: 1, clock });
    const a = await solo.begin(key('a'), 'f', long);
    if (a.status !== 'acquired') throw new Error('expected acquired');
    expect(await solo.release(key('a'), a.token)).toBe(true);
    expect(solo.size).toBe(0);
    expect((await solo.begin(key('b'), 'f', long)).status).toBe('acquired');
    expect((await solo.begin(key('c'), 'f', long)).status).toBe('acquired');
    expect(solo.size).toBe(1);
  });
});
