import { manualClock } from '@brace/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitersOf } from './abort-watch.js';
import { createRateLimiter } from './create.js';
import { RateLimitWaitTimeoutError } from './errors.js';
import type { Limiter } from './limiter.js';
import { tick } from './test-utils/helpers.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

const N = 100_000;

/** The engine behind a limiter (tests look at its queue). */
function engineOf(limiter: ReturnType<typeof createRateLimiter>): Limiter {
  return (limiter as unknown as { engine: Limiter }).engine;
}

/** Every entry the queue holds: lane entries (live or dead), ring lanes, levels, deadlines. */
function entries(handle: ReturnType<typeof createRateLimiter>) {
  const queue = engineOf(handle).queue;
  let lanes = 0;
  let laneEntries = 0;
  for (const level of queue.levels) {
    lanes += level.lanes.size;
    for (const [, lane] of level.byKey) laneEntries += lane.tasks.size;
  }
  return { levels: queue.levels.length, lanes, laneEntries, deadlines: queue.deadlines.size };
}

/** A limiter whose one slot is held, and a task queued first that stays queued throughout. */
function blocked(options: Parameters<typeof createRateLimiter>[0]) {
  const limiter = createRateLimiter({ ...EXACT, concurrency: 1, ...options });
  let release!: () => void;
  const holder = limiter.schedule(() => new Promise<void>((r) => (release = r)));
  const head = limiter.schedule(() => 'head', { key: 'k0' });
  return { limiter, holder, head, release: () => release() };
}

describe('queue entries are released when a task settles, whatever happens next', () => {
  it(`${N.toLocaleString('en')} aborted tasks behind a task that stays queued leave no entry`, async () => {
    const { limiter, head, release } = blocked({ maxWaitMs: 3_600_000 });
    const controllers: AbortController[] = [];
    const settled: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const options = { signal: controller.signal, key: `k${i % 7}`, priority: i % 3 };
      settled.push(limiter.schedule(() => i, options).catch((e) => e));
    }
    expect(entries(limiter)).toEqual({
      levels: 3,
      lanes: 7 * 3,
      laneEntries: N + 1,
      deadlines: N + 1,
    });
    for (const controller of controllers) controller.abort();
    const outcomes = await Promise.all(settled);
    expect(outcomes.every((e) => (e as Error).name === 'AbortError')).toBe(true);
    // Only the head task (key k0, priority 0) is left: one level, one lane, one entry each.
    expect(entries(limiter)).toEqual({ levels: 1, lanes: 1, laneEntries: 1, deadlines: 1 });
    expect(limiter.stats().queued).toBe(1);
    release();
    await expect(head).resolves.toBe('head');
    expect(entries(limiter)).toMatchObject({ lanes: 0, laneEntries: 0, deadlines: 0 });
  });

  it(`${N.toLocaleString('en')} tasks on distinct keys, aborted, leave no lane behind`, async () => {
    const { limiter, release, head } = blocked({});
    const controller = new AbortController();
    const settled: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      settled.push(
        limiter.schedule(() => i, { signal: controller.signal, key: `t${i}` }).catch(() => 0),
      );
    }
    expect(entries(limiter).lanes).toBe(N + 1);
    controller.abort();
    await Promise.all(settled);
    expect(entries(limiter)).toEqual({ levels: 1, lanes: 1, laneEntries: 1, deadlines: 0 });
    expect(engineOf(limiter).slots.keys.size).toBe(1); // k0, the head task's key
    release();
    await head;
  });

  it(`${N.toLocaleString('en')} tasks expired by maxWaitMs behind a later task leave no entry`, async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1, maxWaitMs: 1_000, clock });
    let release!: () => void;
    limiter.schedule(() => new Promise<void>((r) => (release = r)));
    const settled: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      settled.push(limiter.schedule(() => i, { key: `k${i % 5}` }).catch((e) => e));
    }
    await clock.advance(500);
    const late = limiter.schedule(() => 'late', { key: 'k0' });
    await clock.advance(500);
    const outcomes = await Promise.all(settled);
    expect(outcomes.every((e) => e instanceof RateLimitWaitTimeoutError)).toBe(true);
    expect(entries(limiter)).toEqual({ levels: 1, lanes: 1, laneEntries: 1, deadlines: 1 });
    release();
    await expect(late).resolves.toBe('late');
  });
});

describe('one AbortSignal shared by 10,000 queued tasks', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('holds one listener, removes each task as it settles, and prints no warning', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 100 });
    const controller = new AbortController();
    const { signal } = controller;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tasks = Array.from({ length: 10_000 }, (_, i) =>
      limiter.schedule(
        async () => {
          await gate;
          return i;
        },
        { signal },
      ),
    );
    // 100 run (their listener is gone: a running task is no longer abortable by the queue).
    expect(waitersOf(signal)).toBe(9_900);
    release();
    await Promise.all(tasks);
    expect(waitersOf(signal)).toBe(0);
    await tick();
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('aborting it rejects every waiting task with its reason, with no warning', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1 });
    const controller = new AbortController();
    let release!: () => void;
    const running = limiter.schedule(() => new Promise<void>((r) => (release = r)));
    const tasks = Array.from({ length: 10_000 }, () =>
      limiter.schedule(() => 'ran', { signal: controller.signal }).catch((e) => e),
    );
    expect(waitersOf(controller.signal)).toBe(10_000);
    controller.abort(new Error('shutting down'));
    const outcomes = await Promise.all(tasks);
    expect(outcomes.every((e) => (e as Error).message === 'shutting down')).toBe(true);
    expect(waitersOf(controller.signal)).toBe(0);
    expect(limiter.stats()).toMatchObject({ queued: 0, running: 1 });
    release();
    await running;
    await tick();
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});
