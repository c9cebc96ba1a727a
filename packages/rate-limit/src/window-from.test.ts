import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import { memoryStore } from './memory-store.js';
import { DEFAULT_WINDOW_FROM } from './pacing.js';
import type { AcquireManyResult, RateLimitPolicy, RateLimitStore } from './store.js';
import { runUntil } from './test-utils/helpers.js';
import type { LimiterErrorEvent } from './types.js';

/** Exact windows, no pacing: only `windowFrom` decides when a unit frees. */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;
const TWO_PER_SECOND = [{ limit: 2, intervalMs: 1000 }];

/** Three tasks of `runMs` each on a manual clock: when each started. */
async function starts(windowFrom: 'settle' | 'start' | undefined, runMs: number) {
  const clock = manualClock();
  const limiter = createRateLimiter({
    ...EXACT,
    ...(windowFrom === undefined ? {} : { windowFrom }),
    policies: TWO_PER_SECOND,
    concurrency: 10,
    clock,
  });
  const at: number[] = [];
  const task = async () => {
    at.push(clock.now());
    if (runMs > 0) await clock.sleep(runMs);
  };
  await runUntil(clock, Promise.all([0, 1, 2].map(() => limiter.schedule(task))));
  return at;
}

describe("windowFrom: a unit counts until a window after its task settles (default 'settle')", () => {
  it("exports its default: 'settle'", () => {
    expect(DEFAULT_WINDOW_FROM).toBe('settle');
  });

  it('a task that ran 300 ms holds its unit until 1,300 ms; with `start`, until 1,000 ms (+1 ms: the store’s clock tick)', async () => {
    expect(await starts(undefined, 300)).toEqual([0, 0, 1301]);
    expect(await starts('settle', 300)).toEqual([0, 0, 1301]);
    expect(await starts('start', 300)).toEqual([0, 0, 1001]);
  });

  it('a synchronous task settles as it starts: nothing moves', async () => {
    expect(await starts('settle', 0)).toEqual([0, 0, 1001]);
  });

  it('an acquire counts until a window after its release', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 1, intervalMs: 1000 }],
      clock,
    });
    const release = await limiter.acquire();
    await clock.advance(400);
    release();
    release(); // twice: once only
    const next = limiter.schedule(() => clock.now());
    expect(await runUntil(clock, next)).toBe(1401);
  });

  it('moves the task’s own units of every sliding-log policy, never a GCRA one', async () => {
    const clock = manualClock();
    const policies: RateLimitPolicy[] = [
      { limit: 3, intervalMs: 1000 },
      { limit: 100, intervalMs: 1000, burst: 100 },
    ];
    const limiter = createRateLimiter({ ...EXACT, policies, concurrency: 10, clock });
    const at: number[] = [];
    const task = (ms: number) => async () => {
      at.push(clock.now());
      await clock.sleep(ms);
    };
    // A cost-2 task granted at 0 runs 500 ms; a cost-1 one granted at 0 returns at once.
    const jobs = [
      limiter.schedule(task(500), { cost: 2 }),
      limiter.schedule(task(0)),
      limiter.schedule(task(0), { cost: 2 }),
    ];
    await runUntil(clock, Promise.all(jobs));
    // The third needs 2 units: the one of the short task frees at 1,001, the two of the
    // long task only at 1,501 (a window and a clock tick after it settled).
    expect(at).toEqual([0, 0, 1501]);
  });

  it('a store without `settle` counts from the start; a failing `settle` goes to onError', async () => {
    const clock = manualClock();
    const inner = memoryStore();
    const plain: RateLimitStore = {
      tryAcquire: (...args) => inner.tryAcquire(...args),
      pause: (...args) => inner.pause(...args),
    };
    const limiter = createRateLimiter({ ...EXACT, policies: TWO_PER_SECOND, store: plain, clock });
    const at: number[] = [];
    const task = async () => {
      at.push(clock.now());
      await clock.sleep(300);
    };
    await runUntil(clock, Promise.all([0, 1, 2].map(() => limiter.schedule(task))));
    expect(at).toEqual([0, 0, 1001]);

    const errors: LimiterErrorEvent[] = [];
    for (const settle of [
      () => {
        throw new Error('sync failure');
      },
      () => Promise.reject(new Error('async failure')),
    ]) {
      const failing: RateLimitStore = { ...plain, settle };
      const l = createRateLimiter({
        ...EXACT,
        policies: TWO_PER_SECOND,
        store: failing,
        clock,
        onError: (e) => errors.push(e),
      });
      await runUntil(
        clock,
        l.schedule(() => clock.sleep(10)),
      );
      await runUntil(
        clock,
        l.schedule(() => clock.sleep(10)),
      );
    }
    await Promise.resolve();
    expect(errors.map((e) => [e.operation, (e.error as Error).message])).toEqual([
      ['settle', 'sync failure'],
      ['settle', 'sync failure'],
      ['settle', 'async failure'],
      ['settle', 'async failure'],
    ]);
  });

  it('hands a remote store’s grants back to `settle`, one per granted task, in order', async () => {
    const clock = manualClock();
    const inner = memoryStore();
    const settled: unknown[] = [];
    let calls = 0;
    const remote: RateLimitStore = {
      async tryAcquire(key, policies, cost, now) {
        const result = inner.tryAcquire(key, policies, cost, now);
        return result.ok ? { ok: true, grant: `one-${calls++}` } : result;
      },
      async tryAcquireMany(key, policies, costs, now): Promise<AcquireManyResult> {
        const call = calls++;
        const grants: string[] = [];
        for (const cost of costs) {
          const result = inner.tryAcquire(key, policies, cost, now);
          if (!result.ok) return { granted: grants.length, refused: result, grants };
          grants.push(`many-${call}-${grants.length}`);
        }
        return { granted: grants.length, refused: undefined, grants };
      },
      pause: () => undefined,
      settle: (_key, _policies, _cost, grant) => {
        settled.push(grant);
      },
    };
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 3, intervalMs: 1000 }],
      concurrency: 10,
      store: remote,
      clock,
    });
    const jobs = [0, 1, 2, 3].map(() => limiter.schedule(() => clock.sleep(100)));
    await runUntil(clock, Promise.all(jobs));
    expect(settled).toEqual(['many-0-0', 'many-0-1', 'many-0-2', 'one-1']);
  });

  it('memoryStore.settle: moves units still in the window; expired ones, unknown keys and other policies are left', () => {
    const store = memoryStore();
    const policies = [{ limit: 2, intervalMs: 1000 }];
    expect(store.tryAcquire('k', policies, 1, 0).ok).toBe(true);
    expect(store.tryAcquire('k', policies, 1, 10).ok).toBe(true);
    store.settle('k', policies, 1, undefined, 10, 600);
    store.settle('k', policies, 1, undefined, 10, 600); // nothing left at 10: a no-op
    store.settle('k', policies, 1, 10, 0, 600); // a numeric grant is the grant time: 10 again
    store.settle('missing', policies, 1, undefined, 0, 600);
    store.settle('k', [{ limit: 2, intervalMs: 1000 }], 1, undefined, 0, 600); // other policies
    store.settle('k', policies, 1, undefined, 0, 0); // settled as granted: nothing to move
    // The unit granted at 0 frees at 1,000; the one granted at 10 now frees at 1,600.
    expect(store.tryAcquire('k', policies, 1, 1001).ok).toBe(true);
    expect(store.tryAcquire('k', policies, 1, 1002)).toMatchObject({ ok: false, retryInMs: 599 });
    // A task that ran past its window: its unit expired and stays gone.
    const late = memoryStore();
    expect(late.tryAcquire('k', policies, 1, 0).ok).toBe(true);
    late.settle('k', policies, 1, undefined, 0, 5000);
    expect(late.tryAcquire('k', policies, 2, 5001).ok).toBe(true);
  });

  it('rejects a bad windowFrom', () => {
    expect(() =>
      createRateLimiter({ policies: TWO_PER_SECOND, windowFrom: 'end' as never }),
    ).toThrow(/windowFrom/);
  });
});

describe('windowFrom: a task settled within the safety margin needs no settle (no round trip)', () => {
  it('tells the store only of tasks that ran longer than the smallest sliding-log margin', async () => {
    const clock = manualClock();
    const inner = memoryStore();
    const settled: number[] = [];
    const store: RateLimitStore = {
      tryAcquire: (...args) => inner.tryAcquire(...args),
      pause: () => undefined,
      settle: (_key, _policies, _cost, _grant, grantedAt, now) => {
        settled.push(now - grantedAt);
      },
    };
    // Margins: 50 ms for the 1 s window, 10 ms (10%) for the 100 ms one: the smaller counts.
    const policies = [
      { limit: 100, intervalMs: 1000 },
      { limit: 100, intervalMs: 100 },
    ];
    const limiter = createRateLimiter({ policies, pacing: 'burst', store, clock });
    for (const ms of [5, 10, 11, 40])
      await runUntil(
        clock,
        limiter.schedule(() => clock.sleep(ms)),
      );
    expect(settled).toEqual([11, 40]);
    // Without a sliding-log policy there is nothing to move: never.
    const gcra = createRateLimiter({
      policies: [{ limit: 100, intervalMs: 1000, burst: 10 }],
      store,
      clock,
    });
    await runUntil(
      clock,
      gcra.schedule(() => clock.sleep(500)),
    );
    expect(settled).toEqual([11, 40]);
  });
});
