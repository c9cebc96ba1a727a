import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from './deque.js';
import { RateLimitOptionsError } from './errors.js';
import { DEFAULT_MAX_KEYS, memoryStore } from './memory-store.js';
import type { RateLimitPolicy } from './store.js';
import { maxInWindow } from './test-utils/helpers.js';

describe('memoryStore', () => {
  it('sliding log: never more than limit in any rolling window, exact retry time', () => {
    const store = memoryStore();
    const p: RateLimitPolicy[] = [{ limit: 3, intervalMs: 1000 }];
    expect(store.tryAcquire('k', p, 1, 0)).toEqual({ ok: true });
    expect(store.tryAcquire('k', p, 1, 100)).toEqual({ ok: true });
    expect(store.tryAcquire('k', p, 1, 100)).toEqual({ ok: true });
    // An entry leaves the window one clock tick after intervalMs (a start stamped t happened
    // somewhere in [t, t + 1)), so the retry times are exact to that rule.
    expect(store.tryAcquire('k', p, 1, 500)).toEqual({ ok: false, retryInMs: 501, policyIndex: 0 });
    expect(store.tryAcquire('k', p, 2, 1000)).toEqual({
      ok: false,
      retryInMs: 101,
      policyIndex: 0,
    });
    expect(store.tryAcquire('k', p, 1, 1000)).toEqual({ ok: false, retryInMs: 1, policyIndex: 0 });
    expect(store.tryAcquire('k', p, 1, 1001)).toEqual({ ok: true });
  });

  it('multi-policy: checks all, then charges all (a refused request charges nothing)', () => {
    const store = memoryStore();
    const p: RateLimitPolicy[] = [
      { limit: 2, intervalMs: 1000 },
      { limit: 3, intervalMs: 10_000 },
    ];
    expect(store.tryAcquire('k', p, 1, 0).ok).toBe(true);
    expect(store.tryAcquire('k', p, 1, 0).ok).toBe(true);
    expect(store.tryAcquire('k', p, 1, 0)).toEqual({ ok: false, retryInMs: 1001, policyIndex: 0 });
    // Had the refused call charged policy 1, this would be refused too.
    expect(store.tryAcquire('k', p, 1, 1001).ok).toBe(true);
    expect(store.tryAcquire('k', p, 1, 2000)).toEqual({
      ok: false,
      retryInMs: 8001,
      policyIndex: 1,
    });
  });

  it('GCRA with burst: burst at once, then one per emission interval', () => {
    const store = memoryStore();
    const p: RateLimitPolicy[] = [{ limit: 10, intervalMs: 1000, burst: 2 }];
    expect(store.tryAcquire('k', p, 1, 0).ok).toBe(true);
    expect(store.tryAcquire('k', p, 1, 0).ok).toBe(true);
    expect(store.tryAcquire('k', p, 1, 0)).toEqual({ ok: false, retryInMs: 100, policyIndex: 0 });
    expect(store.tryAcquire('k', p, 1, 100).ok).toBe(true);
    expect(store.tryAcquire('k', p, 1, 150)).toEqual({ ok: false, retryInMs: 50, policyIndex: 0 });
  });

  it('property: sliding log never exceeds any policy in any rolling window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            limit: fc.integer({ min: 1, max: 8 }),
            intervalMs: fc.integer({ min: 1, max: 300 }),
          }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 3 })), {
          maxLength: 120,
        }),
        (policies, steps) => {
          const store = memoryStore();
          const cap = Math.min(...policies.map((p) => p.limit));
          let now = 0;
          const starts: number[] = [];
          const costs: number[] = [];
          for (const [dt, c] of steps) {
            now += dt;
            const cost = Math.min(c, cap);
            const r = store.tryAcquire('k', policies, cost, now);
            if (r.ok) {
              starts.push(now);
              costs.push(cost);
            } else {
              expect(r.retryInMs).toBeGreaterThanOrEqual(1);
            }
          }
          for (const p of policies)
            expect(maxInWindow(starts, p.intervalMs, costs)).toBeLessThanOrEqual(p.limit);
        },
      ),
    );
  });

  it('property: retryInMs is exact (refused 1 ms before, admitted at the time)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 2, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 60 }),
        (limit, intervalMs, gaps) => {
          const store = memoryStore();
          const p = [{ limit, intervalMs }];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            const r = store.tryAcquire('k', p, 1, now);
            if (!r.ok) {
              if (r.retryInMs > 1)
                expect(store.tryAcquire('k', p, 1, now + r.retryInMs - 1).ok).toBe(false);
              now += r.retryInMs;
              expect(store.tryAcquire('k', p, 1, now).ok).toBe(true);
            }
          }
        },
      ),
    );
  });

  it('pauses: refuse with the reason, never shortened, then lift', () => {
    const store = memoryStore();
    const p = [{ limit: 5, intervalMs: 1000 }];
    store.pause('k', 1000, 'retry-after', 0);
    store.pause('k', 200, 'server-remaining', 0);
    expect(store.tryAcquire('k', p, 1, 10)).toEqual({
      ok: false,
      retryInMs: 990,
      policyIndex: -1,
      pause: 'retry-after',
    });
    expect(store.tryAcquire('k', [], 1, 10).ok).toBe(false);
    store.pause('k', 2000, 'server-remaining', 100);
    expect(store.tryAcquire('k', p, 1, 1000)).toMatchObject({
      retryInMs: 1100,
      pause: 'server-remaining',
    });
    expect(store.tryAcquire('k', p, 1, 2100).ok).toBe(true);
    expect(store.tryAcquire('other', [], 1, 0).ok).toBe(true);
  });

  it('bounded: a million distinct keys leave at most maxKeys states', () => {
    const store = memoryStore({ maxKeys: 1000 });
    const p = [{ limit: 1, intervalMs: 60_000 }];
    for (let i = 0; i < 1_000_000; i++) store.tryAcquire(`k${i}`, p, 1, i);
    expect(store.tryAcquire('k999000', p, 1, 1_000_000).ok).toBe(false);
    expect(store.size).toBeLessThanOrEqual(1000);
    // The most recent keys are still limited.
    expect(store.tryAcquire('k999999', p, 1, 1_000_000).ok).toBe(false);
  });

  it('idle states are swept as new keys arrive (TTL)', () => {
    const store = memoryStore({ maxKeys: 100 });
    const p = [{ limit: 1, intervalMs: 10 }];
    for (let i = 0; i < 50; i++) store.tryAcquire(`k${i}`, p, 1, 0);
    for (let i = 0; i < 50; i++) store.tryAcquire(`n${i}`, p, 1, 100);
    expect(store.size).toBeLessThanOrEqual(50);
    expect(store.tryAcquire('n0', p, 1, 100).ok).toBe(false);
  });

  it('a long run of one key compacts its log', () => {
    const store = memoryStore();
    const p = [{ limit: 1000, intervalMs: 100 }];
    for (let t = 0; t < 10_000; t++) expect(store.tryAcquire('k', p, 1, t).ok).toBe(true);
  });

  it('validates maxKeys', () => {
    expect(DEFAULT_MAX_KEYS).toBe(10_000);
    expect(() => memoryStore({ maxKeys: 0 })).toThrow(RateLimitOptionsError);
    expect(() => memoryStore({ maxKeys: 1.5 })).toThrow(/maxKeys must be an integer >= 1/);
  });
});

describe('Deque', () => {
  it('behaves like an array queue across growth and wrap-around', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('shift'), fc.integer(), fc.constant('unshift'))),
        (ops) => {
          const d = new Deque<number>();
          const model: number[] = [];
          for (const op of ops) {
            if (op === 'shift') expect(d.shift()).toBe(model.shift());
            else if (op === 'unshift') {
              d.unshift(-1);
              model.unshift(-1);
            } else {
              d.push(op);
              model.push(op);
            }
            expect(d.size).toBe(model.length);
            expect(d.peek()).toBe(model[0]);
          }
          d.filter((x) => x % 2 === 0);
          const kept = model.filter((x) => x % 2 === 0);
          for (const x of kept) expect(d.shift()).toBe(x);
          expect(d.size).toBe(0);
        },
      ),
    );
  });
});
