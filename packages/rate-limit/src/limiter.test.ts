import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from './create.js';
import {
  RateLimitCostError,
  RateLimitOptionsError,
  RateLimitQueueFullError,
  RateLimitWaitTimeoutError,
} from './errors.js';
import { memoryStore } from './memory-store.js';
import { maxInWindow, runUntil, tick } from './test-utils/helpers.js';
import type { RejectedEvent, ThrottledEvent } from './types.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_KEY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PARTITION,
  DEFAULT_PRIORITY,
} from './types.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

const noop = () => undefined;
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createRateLimiter: queue', () => {
  it('exports its defaults', () => {
    expect([
      DEFAULT_CONCURRENCY,
      DEFAULT_MAX_QUEUE,
      DEFAULT_MAX_WAIT_MS,
      DEFAULT_KEY,
      DEFAULT_PRIORITY,
    ]).toEqual([Number.POSITIVE_INFINITY, 1_000_000, Number.POSITIVE_INFINITY, 'default', 0]);
    expect([DEFAULT_PARTITION, DEFAULT_MAX_PAUSE_MS]).toEqual(['host', 86_400_000]);
  });

  it('runs at once on the fast path and passes results and errors through', async () => {
    const limiter = createRateLimiter({ ...EXACT, policies: [{ limit: 10, intervalMs: 1000 }] });
    await expect(limiter.schedule(() => 42)).resolves.toBe(42);
    await expect(limiter.schedule(async () => 'x', { key: 'a' })).resolves.toBe('x');
    await expect(
      limiter.schedule(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(
      limiter.schedule(() => Promise.reject(new Error('async')), { key: 'a' }),
    ).rejects.toThrow('async');
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
    expect(limiter.policies).toEqual([{ limit: 10, intervalMs: 1000 }]);
  });

  it('caps concurrency and releases on success, sync throw and rejection', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 2 });
    let running = 0;
    let peak = 0;
    const work = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      if (i % 3 === 0) throw new Error(`fail ${i}`);
      return i;
    };
    const results = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, i) => limiter.schedule(work(i))),
      limiter.schedule(() => {
        throw new Error('sync');
      }),
    ]);
    expect(peak).toBe(2);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(5);
    expect(limiter.stats().running).toBe(0);
  });

  it('serves higher priority first', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const first = limiter.schedule(() => gate.promise);
    const runs = [
      limiter.schedule(() => order.push('low'), { priority: -1 }),
      limiter.schedule(() => order.push('normal')),
      limiter.schedule(() => order.push('high'), { priority: 5 }),
      limiter.schedule(() => order.push('high2'), { priority: 5 }),
    ];
    gate.resolve();
    await Promise.all([first, ...runs]);
    expect(order).toEqual(['high', 'high2', 'normal', 'low']);
  });

  it('is fair across keys: round-robin so a heavy tenant cannot starve others', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const blocker = limiter.schedule(() => gate.promise);
    const all = [
      ...Array.from({ length: 6 }, () => limiter.schedule(() => order.push('A'), { key: 'A' })),
      ...Array.from({ length: 2 }, () => limiter.schedule(() => order.push('B'), { key: 'B' })),
      limiter.schedule(() => order.push('C'), { key: 'C' }),
    ];
    gate.resolve();
    await Promise.all([blocker, ...all]);
    expect(order).toEqual(['A', 'B', 'C', 'A', 'B', 'A', 'A', 'A', 'A']);
  });

  it('weights: a key may start `weight` tasks per turn', async () => {
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: 1,
      weight: (key) => (key === 'A' ? 2 : 1),
    });
    const gate = deferred();
    const order: string[] = [];
    const blocker = limiter.schedule(() => gate.promise);
    const all = [
      ...Array.from({ length: 4 }, () => limiter.schedule(() => order.push('A'), { key: 'A' })),
      ...Array.from({ length: 3 }, () => limiter.schedule(() => order.push('B'), { key: 'B' })),
    ];
    gate.resolve();
    await Promise.all([blocker, ...all]);
    expect(order).toEqual(['A', 'A', 'B', 'A', 'A', 'B', 'B']);
    const bad = createRateLimiter({ ...EXACT, concurrency: 1, weight: () => 0 });
    const hold = bad.schedule(() => gate.promise);
    await expect(bad.schedule(() => 1)).rejects.toThrow(RateLimitOptionsError);
    await hold;
  });

  it('rejects past maxQueue at once with RateLimitQueueFullError; nothing is dropped silently', async () => {
    const rejected: RejectedEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: 1,
      maxQueue: 2,
      onRejected: (e) => rejected.push(e),
    });
    const gate = deferred();
    const running = limiter.schedule(() => gate.promise);
    const queued = [limiter.schedule(() => 1), limiter.schedule(() => 2, { key: 'k' })];
    const error = await limiter.schedule(() => 3, { key: 'z' }).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitQueueFullError);
    expect(error).toMatchObject({ code: 'RATE_LIMIT_QUEUE_FULL', maxQueue: 2, key: 'z' });
    expect(rejected).toEqual([{ key: 'z', reason: 'queue-full', error }]);
    expect(limiter.stats().keys.has('z')).toBe(false);
    gate.resolve();
    await expect(Promise.all([running, ...queued])).resolves.toEqual([undefined, 1, 2]);
  });

  it('rejects after maxWaitMs with RateLimitWaitTimeoutError, with one timer', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1, maxWaitMs: 100, clock });
    const gate = deferred();
    const running = limiter.schedule(() => gate.promise);
    const a = limiter.schedule(() => 'a').catch((e) => e);
    await clock.advance(50);
    const b = limiter.schedule(() => 'b').catch((e) => e);
    expect(clock.pending).toBe(1);
    await clock.advance(50);
    const errorA = await a;
    expect(errorA).toBeInstanceOf(RateLimitWaitTimeoutError);
    expect(errorA).toMatchObject({ code: 'RATE_LIMIT_WAIT_TIMEOUT', maxWaitMs: 100 });
    expect(limiter.stats().queued).toBe(1);
    gate.resolve();
    await running;
    await expect(b).resolves.toBe('b');
    expect(clock.pending).toBe(0);
  });

  it('an aborted queued task leaves at once with the reason, never runs, frees its place', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1, maxQueue: 1 });
    const gate = deferred();
    const running = limiter.schedule(() => gate.promise);
    const controller = new AbortController();
    const fn = vi.fn();
    const queued = limiter.schedule(fn, { signal: controller.signal });
    const reason = new Error('user left');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    expect(limiter.stats().queued).toBe(0);
    const next = limiter.schedule(() => 'next');
    gate.resolve();
    await expect(next).resolves.toBe('next');
    await running;
    expect(fn).not.toHaveBeenCalled();
    const pre = AbortSignal.abort(new Error('already'));
    await expect(limiter.schedule(fn, { signal: pre })).rejects.toThrow('already');
    await expect(limiter.acquire({ signal: pre })).rejects.toThrow('already');
  });

  it('compacts a lane full of aborted tasks', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1 });
    const gate = deferred();
    const running = limiter.schedule(() => gate.promise);
    const controllers = Array.from({ length: 200 }, () => new AbortController());
    const tasks = controllers.map((c, i) =>
      limiter.schedule(() => i, { signal: c.signal }).catch(() => 'aborted'),
    );
    for (const c of controllers.slice(0, 190)) c.abort();
    expect(limiter.stats().queued).toBe(10);
    gate.resolve();
    const results = await Promise.all(tasks);
    expect(results.filter((r) => r !== 'aborted')).toHaveLength(10);
    await running;
  });

  it('acquire returns an idempotent release', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1 });
    const release = await limiter.acquire({ key: 'a' });
    const second = limiter.acquire({ key: 'b' });
    expect(limiter.stats().queued).toBe(1);
    release();
    release();
    const release2 = await second;
    expect(limiter.stats().running).toBe(1);
    release2();
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('rejects costs that can never fit, and bad costs', async () => {
    const rejected: RejectedEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [
        { limit: 5, intervalMs: 1000 },
        { limit: 100, intervalMs: 60_000, burst: 3 },
      ],
      onRejected: (e) => rejected.push(e),
    });
    const error = await limiter.schedule(() => 1, { cost: 4 }).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitCostError);
    expect(error).toMatchObject({ code: 'RATE_LIMIT_COST_TOO_HIGH', cost: 4 });
    expect(rejected[0]?.reason).toBe('cost');
    await expect(limiter.schedule(() => 1, { cost: 0 })).rejects.toThrow(
      /cost must be a finite number > 0/,
    );
    await expect(limiter.schedule(() => 1, { cost: 3 })).resolves.toBe(1);
  });

  it('validates options at construction, naming the option and range', () => {
    const bad: Array<[object, RegExp]> = [
      [{ concurrency: 0 }, /concurrency must be an integer >= 1/],
      [{ concurrency: 1.5 }, /concurrency/],
      [{ maxQueue: -1 }, /maxQueue/],
      [{ maxWaitMs: -1 }, /maxWaitMs/],
      [{ maxPauseMs: 0 }, /maxPauseMs/],
      [{ partition: 'nope' }, /partition/],
      [{ policies: 'x' }, /policies must be an array/],
      [{ policies: [null] }, /policies\[0\] must be an object/],
      [{ policies: [{ limit: 0, intervalMs: 1 }] }, /policies\[0\]\.limit/],
      [{ policies: [{ limit: 1, intervalMs: 0 }] }, /policies\[0\]\.intervalMs/],
      [{ policies: [{ limit: 1, intervalMs: 1, burst: 0 }] }, /policies\[0\]\.burst/],
    ];
    for (const [options, message] of bad) {
      expect(() => createRateLimiter(options as never)).toThrow(message);
      expect(() => createRateLimiter(options as never)).toThrow(RateLimitOptionsError);
    }
    expect(() => createRateLimiter()).toThrow(/needs `policies`, `concurrency` or `adaptive`/);
    expect(() => createRateLimiter({ ...EXACT })).toThrow(RateLimitOptionsError);
    expect(createRateLimiter({ ...EXACT, concurrency: Number.POSITIVE_INFINITY }).policies).toEqual(
      [],
    );
  });
});

describe('createRateLimiter: policies and time', () => {
  it('2,000 requests at 50/s: no rolling second over 50, achieved rate >= 95%', async () => {
    const clock = manualClock({ now: 1_000_000 });
    const throttled: ThrottledEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 50, intervalMs: 1000 }],
      concurrency: 10,
      clock,
      onThrottled: (e) => throttled.push(e),
    });
    const starts: number[] = [];
    const all = Array.from({ length: 2000 }, () =>
      limiter.schedule(async () => starts.push(clock.now())),
    );
    await runUntil(clock, Promise.all(all));
    expect(starts).toHaveLength(2000);
    expect(maxInWindow(starts, 1000)).toBe(50);
    const first = Math.min(...starts);
    const last = Math.max(...starts);
    const rate = (2000 - 50) / ((last - first) / 1000);
    expect(rate).toBeGreaterThanOrEqual(50 * 0.95);
    // 39 full windows, each one clock tick longer than 1 s (see CLOCK_TICK_MS in memory-store.ts).
    expect(last - first).toBe(39_039);
    expect(throttled.every((e) => e.reason === 'policy' && e.policyIndex === 0)).toBe(true);
  });

  it('several policies together, smooth GCRA with burst', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [
        { limit: 3, intervalMs: 100 },
        { limit: 10, intervalMs: 1000, burst: 4 },
      ],
      clock,
    });
    const starts: number[] = [];
    const all = Array.from({ length: 30 }, () => limiter.schedule(() => starts.push(clock.now())));
    await clock.runAll();
    await Promise.all(all);
    expect(maxInWindow(starts, 100)).toBeLessThanOrEqual(3);
    expect(starts.slice(0, 5)).toEqual([0, 0, 0, 101, 101]);
    expect(starts[29]).toBe(2600);
  });

  it('a throttled key does not hold up other keys; the timer re-arms earlier when needed', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 1, intervalMs: 1000 }],
      clock,
    });
    const starts: string[] = [];
    await limiter.schedule(() => starts.push('a0'), { key: 'a' });
    const a1 = limiter.schedule(() => starts.push(`a1@${clock.now()}`), { key: 'a' });
    await clock.advance(500);
    await limiter.schedule(() => starts.push('b0'), { key: 'b' });
    const b1 = limiter.schedule(() => starts.push(`b1@${clock.now()}`), { key: 'b' });
    limiter.pause('c', 100);
    const c = limiter.schedule(() => starts.push(`c@${clock.now()}`), { key: 'c' });
    await clock.runAll();
    await Promise.all([a1, b1, c]);
    expect(starts).toEqual(['a0', 'b0', 'c@600', 'a1@1001', 'b1@1501']);
  });

  it('emits onQueued, onDispatch, onThrottled; a throwing callback breaks nothing', async () => {
    const clock = manualClock();
    const events: string[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 1, intervalMs: 100 }],
      clock,
      onQueued: (e) => {
        events.push(`queued ${e.key} ${e.queued}`);
        throw new Error('observer bug');
      },
      onDispatch: (e) => {
        events.push(`dispatch ${e.key} waited ${e.waitedMs}`);
        throw new Error('observer bug');
      },
      onThrottled: (e) => {
        events.push(`throttled ${e.key} ${e.waitMs} ${e.reason}`);
        throw new Error('observer bug');
      },
    });
    const a = limiter.schedule(() => 'a', { key: 'k' });
    const b = limiter.schedule(() => 'b', { key: 'k' });
    await clock.runAll();
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
    expect(events).toEqual([
      'dispatch k waited 0',
      'throttled k 101 policy',
      'queued k 1',
      'dispatch k waited 101',
    ]);
  });

  it('a million distinct keys leave at most maxKeys states behind', async () => {
    const store = memoryStore({ maxKeys: 5000 });
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 5, intervalMs: 60_000 }],
      store,
    });
    for (let batch = 0; batch < 20; batch++) {
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < 50_000; i++) all.push(limiter.schedule(noop, { key: `t${batch}-${i}` }));
      await Promise.all(all);
    }
    expect(store.size).toBe(5000);
    expect(limiter.stats().keys.size).toBe(0);
  }, 90_000); // a million tasks: slow on a loaded machine, and about memory, not time

  it('keyed tasks queued under a cap leave no key state behind', async () => {
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 5, intervalMs: 60_000 }],
      concurrency: 10,
    });
    const all = Array.from({ length: 20_000 }, (_, i) => limiter.schedule(noop, { key: `k${i}` }));
    await Promise.all(all);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });
});
