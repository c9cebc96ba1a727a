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
});
