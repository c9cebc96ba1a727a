import { manualClock } from '@brace/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRetryBudget, createTokenBucketBudget } from './budget.js';
import { BackoffOptionError } from './errors.js';
import { KeyedState } from './keyed.js';

describe('createRetryBudget', () => {
  it('allows retries up to ratio × requests, and never fewer than the floor, per window', () => {
    const clock = manualClock({ now: 0 });
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 1, windowMs: 2_000, clock });
    // floor: 1/s × 2 s = 2 retries with no requests at all
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 20; i++) budget.onRequest();
    expect(budget.tryRetry()).toBe(false); // 3 > max(0.1 × 20, 2): the floor is not added
    for (let i = 0; i < 20; i++) budget.onRequest();
    expect(budget.tryRetry()).toBe(true); // 3 ≤ 0.1 × 40
    expect(budget.tryRetry()).toBe(true); // 4 ≤ 0.1 × 40
    expect(budget.tryRetry()).toBe(false);
  });

  it('keeps retries at the ratio under sustained load, floor or not (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 5_000 }),
        fc.integer({ min: 0, max: 20 }),
        (requests, minPerSecond) => {
          const clock = manualClock({ now: 0 });
          const budget = createRetryBudget({ ratio: 0.1, minPerSecond, windowMs: 1_000, clock });
          let retries = 0;
          for (let i = 0; i < requests; i++) {
            budget.onRequest();
            // every request fails and asks for two retries
            if (budget.tryRetry()) retries++;
            if (budget.tryRetry()) retries++;
          }
          expect(retries).toBeLessThanOrEqual(Math.max(0.1 * requests, minPerSecond));
        },
      ),
    );
  });

  it('forgets old requests and retries as the window slides', async () => {
    const clock = manualClock({ now: 0 });
    const budget = createRetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 1_000, clock });
    for (let i = 0; i < 4; i++) budget.onRequest();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    await clock.advance(1_000);
    expect(budget.tryRetry()).toBe(false); // requests forgotten too
    budget.onRequest();
    budget.onRequest();
    expect(budget.tryRetry()).toBe(true);
    await clock.advance(50_000);
    expect(budget.tryRetry()).toBe(false);
  });

  it('tolerates a clock that steps backwards', async () => {
    let now = 10_000;
    const budget = createRetryBudget({
      ratio: 1,
      minPerSecond: 0,
      clock: { now: () => now, sleep: async () => {} },
    });
    budget.onRequest();
    now = 9_000;
    budget.onRequest();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it('keeps keys apart', () => {
    const clock = manualClock();
    const budget = createRetryBudget({ ratio: 1, minPerSecond: 0, clock });
    budget.onRequest('a.example');
    expect(budget.tryRetry('b.example')).toBe(false);
    expect(budget.tryRetry('a.example')).toBe(true);
    budget.onSuccess('a.example');
    budget.onFailure('a.example');
    expect(budget.tryRetry('a.example')).toBe(false);
  });

  it('bounds attempts near 1 + ratio per request under total failure (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 5 }),
        (requests, retriesEach) => {
          const clock = manualClock({ now: 1 });
          const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, clock });
          let attempts = 0;
          for (let i = 0; i < requests; i++) {
            budget.onRequest();
            attempts++;
            for (let r = 0; r < retriesEach && budget.tryRetry(); r++) attempts++;
          }
          expect(attempts).toBeLessThanOrEqual(requests * 1.1 + 1e-9);
        },
      ),
    );
  });

  it('rejects bad options', () => {
    expect(() => createRetryBudget({ ratio: 2 })).toThrow(BackoffOptionError);
    expect(() => createRetryBudget({ windowMs: 10 })).toThrow(/`windowMs`/);
    expect(() => createRetryBudget({ maxKeys: 0 })).toThrow(/`maxKeys`/);
    expect(() => createRetryBudget({ minPerSecond: -1 })).toThrow(/`minPerSecond`/);
    expect(() => createRetryBudget({ windowMs: 5_000, keyTtlMs: 1_000 })).toThrow(/`keyTtlMs`/);
  });
});

describe('createTokenBucketBudget', () => {
  it('follows gRPC A6: failure −1, success +ratio, retries while tokens > max/2', () => {
    const budget = createTokenBucketBudget();
    budget.onRequest();
    for (let i = 0; i < 4; i++) budget.onFailure();
    expect(budget.tryRetry()).toBe(true); // 6 > 5
    budget.onFailure();
    expect(budget.tryRetry()).toBe(false); // 5
    for (let i = 0; i < 10; i++) budget.onSuccess();
    expect(budget.tryRetry()).toBe(true); // 6
    for (let i = 0; i < 100; i++) budget.onSuccess();
    for (let i = 0; i < 4; i++) budget.onFailure();
    expect(budget.tryRetry()).toBe(true); // capped at 10, now 6
    for (let i = 0; i < 100; i++) budget.onFailure();
    expect(budget.tryRetry()).toBe(false);
    expect(budget.tryRetry('other')).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => createTokenBucketBudget({ maxTokens: 0 })).toThrow(/`maxTokens`/);
    expect(() => createTokenBucketBudget({ maxTokens: 5, tokenRatio: 6 })).toThrow(/`tokenRatio`/);
  });
});

describe('KeyedState', () => {
  it('evicts the least recently used key beyond maxKeys', () => {
    let created = 0;
    const keyed = new KeyedState(() => ({ id: created++ }), 2, 1_000);
    const a = keyed.get('a', 0);
    keyed.get('b', 0);
    expect(keyed.get('a', 1)).toBe(a); // a is now the most recent
    keyed.get('c', 2); // evicts b
    expect(keyed.size).toBe(2);
    expect(keyed.peek('b', 2)).toBeUndefined();
    expect(keyed.peek('a', 2)).toBe(a);
  });

  it('restarts state idle past the TTL and sweeps idle keys', () => {
    const keyed = new KeyedState(() => ({ n: 0 }), 10, 100);
    const a = keyed.get('a', 0);
    a.n = 5;
    expect(keyed.peek('a', 101)).toBeUndefined();
    expect(keyed.get('a', 101).n).toBe(0);
    keyed.get('b', 101);
    keyed.get('c', 300); // a and b idle > 100 ms: swept
    expect(keyed.size).toBe(1);
  });

  it('stays bounded under many keys', () => {
    const keyed = new KeyedState(() => ({}), 100, 1_000_000);
    for (let i = 0; i < 10_000; i++) keyed.get(`host-${i}`, i);
    expect(keyed.size).toBe(100);
  });
});

describe('DEFAULT_MAX_KEYS', () => {
  it('is core’s: one name, one meaning in every package', async () => {
    const core = await import('@brace/core');
    const { DEFAULT_MAX_KEYS } = await import('./keyed.js');
    expect(DEFAULT_MAX_KEYS).toBe(core.DEFAULT_MAX_KEYS);
    expect(DEFAULT_MAX_KEYS).toBe(10_000);
  });
});
