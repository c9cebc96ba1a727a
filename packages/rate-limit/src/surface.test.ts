import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import {
  RateLimitClearedError,
  RateLimitCostError,
  RateLimitOptionsError,
  RateLimitWaitTimeoutError,
} from './errors.js';
import { maxInWindow, runUntil, tick } from './test-utils/helpers.js';
import type { RejectedEvent } from './types.js';

const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('the p-queue surface', () => {
  it('size, pending, onEmpty() and onIdle()', async () => {
    const limiter = createRateLimiter({ concurrency: 2 });
    await limiter.onIdle(); // idle: resolves at once
    await limiter.onEmpty();
    const first = gate();
    const rest = gate();
    const last = gate();
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limiter.schedule(() => (i < 2 ? first.promise : i < 4 ? rest.promise : last.promise)),
    );
    expect([limiter.size, limiter.pending]).toEqual([3, 2]);
    const order: string[] = [];
    const empty = limiter
      .onEmpty()
      .then(() => order.push(`empty ${limiter.size}/${limiter.pending}`));
    const idle = limiter.onIdle().then(() => order.push(`idle ${limiter.size}/${limiter.pending}`));
    await tick();
    expect(order).toEqual([]);
    first.open(); // two finish, two of the rest start, one waits
    await tick();
    expect(order).toEqual([]);
    expect([limiter.size, limiter.pending]).toEqual([1, 2]);
    rest.open(); // the last task starts: the queue is empty, one task still runs
    await empty;
    expect(order).toEqual(['empty 0/1']);
    last.open();
    await Promise.all([...tasks, idle]);
    expect(order).toEqual(['empty 0/1', 'idle 0/0']);
  });

  it('pause() stops starting tasks (they keep queuing) until resume()', async () => {
    const limiter = createRateLimiter({ concurrency: 4 });
    limiter.pause();
    expect(limiter.isPaused).toBe(true);
    const ran: number[] = [];
    const tasks = [1, 2, 3].map((i) => limiter.schedule(() => ran.push(i)));
    await tick();
    expect(ran).toEqual([]);
    expect(limiter.size).toBe(3);
    limiter.resume();
    limiter.resume(); // not paused: nothing to do
    await Promise.all(tasks);
    expect(ran).toEqual([1, 2, 3]);
    expect(limiter.isPaused).toBe(false);
  });

  it('a paused limiter still expires tasks past maxWaitMs', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ concurrency: 1, maxWaitMs: 100, clock });
    limiter.pause();
    const task = limiter.schedule(() => 'never');
    await expect(runUntil(clock, task)).rejects.toBeInstanceOf(RateLimitWaitTimeoutError);
  });

  it('clear() rejects every queued task with RateLimitClearedError; running ones go on', async () => {
    const rejected: RejectedEvent[] = [];
    const limiter = createRateLimiter({ concurrency: 1, onRejected: (e) => rejected.push(e) });
    const g = gate();
    const running = limiter.schedule(() => g.promise.then(() => 'done'));
    const queued = [1, 2, 3].map((i) =>
      limiter.schedule(() => i, { key: `k${i}` }).catch((e) => e),
    );
    expect(limiter.clear()).toBe(3);
    const errors = await Promise.all(queued);
    expect(errors.every((e) => e instanceof RateLimitClearedError)).toBe(true);
    expect((errors[0] as RateLimitClearedError).code).toBe('RATE_LIMIT_CLEARED');
    expect((errors[1] as RateLimitClearedError).key).toBe('k2');
    expect(rejected.map((e) => e.reason)).toEqual(['cleared', 'cleared', 'cleared']);
    expect(limiter.size).toBe(0);
    g.open();
    await expect(running).resolves.toBe('done');
    expect(limiter.clear()).toBe(0);
  });

  it('schedule passes fn the task’s AbortSignal (one that never aborts without it)', async () => {
    const limiter = createRateLimiter({ concurrency: 1 });
    const controller = new AbortController();
    const seen = await Promise.all([
      limiter.schedule(({ signal }) => signal),
      limiter.schedule(async ({ signal }) => signal, { signal: controller.signal }),
    ]);
    expect(seen[0].aborted).toBe(false);
    expect(seen[1]).toBe(controller.signal);
  });
});

describe('updatePolicies', () => {
  it('enforces the new policies at once, keeping usage already counted', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 2, intervalMs: 1000 }],
      clock,
    });
    const starts: number[] = [];
    const run = () => limiter.schedule(() => starts.push(clock.now()));
    await Promise.all([run(), run()]);
    const third = run(); // held back by the old policy (2 per second) until t = 1,001
    await tick();
    expect(starts).toHaveLength(2);
    limiter.updatePolicies([{ limit: 3, intervalMs: 1000 }]);
    await third; // tried again at once: the third fits the new policy
    expect(starts).toEqual([0, 0, 0]);
    limiter.updatePolicies([{ limit: 3, intervalMs: 1000 }]);
    const fourth = run(); // the three starts stay counted
    await runUntil(clock, fourth);
    expect(starts[3]).toBeGreaterThanOrEqual(1000);
    expect(limiter.policies).toEqual([{ limit: 3, intervalMs: 1000 }]);
  });

  it('switching a policy between sliding log and GCRA never exceeds the new one', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 5, intervalMs: 1000 }],
      clock,
    });
    const starts: number[] = [];
    const run = () => limiter.schedule(() => starts.push(clock.now()));
    await Promise.all(Array.from({ length: 5 }, run));
    limiter.updatePolicies([{ limit: 10, intervalMs: 1000, burst: 1 }]);
    await runUntil(clock, Promise.all(Array.from({ length: 10 }, run)));
    expect(maxInWindow(starts.slice(5), 100)).toBe(1); // GCRA burst 1: one per 100 ms
  });

  it('rejects queued tasks that no longer fit, and bad policies', async () => {
    const limiter = createRateLimiter({
      policies: [{ limit: 5, intervalMs: 1000 }],
      concurrency: 1,
    });
    const g = gate();
    limiter.schedule(() => g.promise);
    const big = limiter.schedule(() => 'big', { cost: 4 }).catch((e) => e);
    const small = limiter.schedule(() => 'small', { cost: 1 });
    limiter.updatePolicies([{ limit: 2, intervalMs: 1000 }]);
    expect(await big).toBeInstanceOf(RateLimitCostError);
    expect(() => limiter.updatePolicies([{ limit: 0, intervalMs: 1 }])).toThrow(
      RateLimitOptionsError,
    );
    g.open();
    await expect(small).resolves.toBe('small');
  });
});

describe('options users bring from bottleneck and p-queue', () => {
  it.each([
    [{ maxConcurrent: 2 }, 'maxConcurrent', '`concurrency`'],
    [{ minTime: 100 }, 'minTime', 'limit: 1, intervalMs: minTime'],
    [{ intervalCap: 10, interval: 1000 }, 'intervalCap', 'limit = intervalCap'],
    [{ reservoir: 10 }, 'reservoir', '`policies'],
    [{ autoStart: false }, 'autoStart', '`limiter.pause()`'],
    [{ concurency: 2 }, 'concurency', '`concurrency`'],
  ])('%o is an error naming ours', (options, name, suggestion) => {
    let error: unknown;
    try {
      createRateLimiter(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RateLimitOptionsError);
    expect((error as RateLimitOptionsError).option).toBe(name);
    expect((error as Error).message).toContain(
      `Unknown rate-limit option \`${name}\`; did you mean`,
    );
    expect((error as Error).message).toContain(suggestion);
  });

  it('createRateLimiter({}) limits nothing, so it is an error; concurrency: Infinity says so on purpose', () => {
    expect(() => createRateLimiter({})).toThrow(/needs `policies`, `concurrency` or `adaptive`/);
    expect(() => createRateLimiter({ policies: [] })).toThrow(RateLimitOptionsError);
    expect(() => createRateLimiter(null as never)).toThrow(/options must be an object/);
    expect(createRateLimiter({ concurrency: Number.POSITIVE_INFINITY }).size).toBe(0);
  });
});
