import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from './create.js';
import { memoryStore } from './memory-store.js';
import {
  batchingStore,
  controlledStore,
  maxInWindow,
  runUntil,
  tick,
} from './test-utils/helpers.js';
import type { RejectedEvent } from './types.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

describe('createRateLimiter: batched and pipelined remote acquires', () => {
  it('sends the tasks of a key submitted together in one call, FIFO and strict', async () => {
    const clock = manualClock();
    const store = batchingStore(memoryStore());
    const policies = [{ limit: 4, intervalMs: 100 }];
    const limiter = createRateLimiter({ ...EXACT, policies, store, clock });
    const starts: number[] = [];
    const order: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) =>
      limiter.schedule(() => {
        starts.push(clock.now());
        order.push(i);
      }),
    );
    await runUntil(clock, Promise.all(all));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxInWindow(starts, 100)).toBe(4);
    // The memory store counts a start stamped t until t + intervalMs + 1 (clock resolution).
    expect(starts).toEqual([0, 0, 0, 0, 101, 101, 101, 101, 202, 202]);
    // 10 tasks, 3 windows: three calls (10, then the 6 refused, then the 2 left).
    expect(store.batches).toEqual([10, 6, 2]);
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('keeps a batch under the concurrency cap and at most 64 tasks per call', async () => {
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({ ...EXACT, store, concurrency: 3 });
    let running = 0;
    let peak = 0;
    const work = async () => {
      peak = Math.max(peak, ++running);
      await tick();
      running--;
    };
    await Promise.all(Array.from({ length: 7 }, () => limiter.schedule(work)));
    expect(peak).toBe(3);
    expect(Math.max(...store.batches)).toBe(3);
    const wide = batchingStore(memoryStore());
    const unbounded = createRateLimiter({ ...EXACT, concurrency: Infinity, store: wide });
    await Promise.all(Array.from({ length: 100 }, () => unbounded.acquire().then((r) => r())));
    expect(wide.batches).toEqual([64, 36]);
  });

  it('pipelines calls of interchangeable tasks; grants go to the oldest, so order stays FIFO', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      clock,
      policies: [{ limit: 1, intervalMs: 100 }],
    });
    const order: string[] = [];
    const a = limiter.schedule(() => order.push('a'));
    await tick();
    const b = limiter.schedule(() => order.push('b'));
    await tick();
    expect(store.calls.map((c) => c.costs)).toEqual([[1], [1]]); // two calls in flight
    store.calls[0]?.answer(0, 50); // a's call refused...
    await tick();
    store.calls[1]?.answer(1); // ...b's call granted: the grant goes to a
    await tick();
    expect(order).toEqual(['a']);
    await clock.advance(50);
    await tick();
    expect(store.calls).toHaveLength(3);
    store.calls[2]?.answer(1);
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
  });

  it('a task of another cost or priority waits for the calls in flight', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      policies: [{ limit: 5, intervalMs: 100 }],
    });
    const a = limiter.schedule(() => 'a');
    await tick();
    const b = limiter.schedule(() => 'b', { cost: 2 });
    const c = limiter.schedule(() => 'c', { priority: 1 });
    await tick();
    expect(store.calls).toHaveLength(1);
    store.calls[0]?.answer(1);
    await expect(a).resolves.toBe('a');
    await tick();
    // Then c (higher priority) alone: a call only holds interchangeable tasks...
    expect(store.calls.map((call) => call.costs)).toEqual([[1], [1]]);
    store.calls[1]?.answer(1);
    await expect(c).resolves.toBe('c');
    await tick();
    // ...and b once c's call has landed.
    expect(store.calls.map((call) => call.costs)).toEqual([[1], [1], [2]]);
    store.calls[2]?.answer(1);
    await expect(b).resolves.toBe('b');
  });

  it('never mixes costs in a batch; a task that cannot join holds its key until the call lands', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, store, concurrency: 3 });
    const blockers = [1, 2, 3].map((i) => limiter.schedule(() => i, { key: 'x' }));
    await tick();
    const a = limiter.schedule(() => 'a', { key: 'k' });
    const b = limiter.schedule(() => 'b', { key: 'k', cost: 2 });
    store.calls[0]?.answer(3);
    await Promise.all(blockers);
    await tick();
    expect(store.calls.map((call) => [call.key, call.costs])).toEqual([
      ['x', [1, 1, 1]],
      ['k', [1]],
    ]);
    const later = limiter.schedule(() => 'later', { key: 'k' });
    await tick();
    // A slot is free and `later` matches the call in flight, but b (cost 2) is waiting for it.
    expect(store.calls).toHaveLength(2);
    store.calls[1]?.answer(1);
    await expect(a).resolves.toBe('a');
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1, 1, 1], [1], [2]]);
    store.calls[2]?.answer(1);
    await expect(b).resolves.toBe('b');
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1, 1, 1], [1], [2], [1]]);
    store.calls[3]?.answer(1);
    await expect(later).resolves.toBe('later');
  });

  it('aborts: before the call goes out the task is dropped; in flight its grant goes to the next', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const gone = new AbortController();
    const dropped = limiter.schedule(() => 'dropped', { signal: gone.signal });
    const kept = limiter.schedule(() => 'kept');
    gone.abort(new Error('gone'));
    await expect(dropped).rejects.toThrow('gone');
    expect(store.calls.map((c) => c.costs)).toEqual([[1]]);
    store.calls[0]?.answer(1);
    await expect(kept).resolves.toBe('kept');

    const inFlight = new AbortController();
    const first = limiter.schedule(() => 'first', { signal: inFlight.signal });
    await tick();
    const second = limiter.schedule(() => 'second');
    await tick();
    inFlight.abort(new Error('late'));
    await expect(first).rejects.toThrow('late');
    store.calls[1]?.answer(1); // first's grant: second takes it
    await expect(second).resolves.toBe('second');
    await tick();
    expect(limiter.stats().running).toBe(0);
    store.calls[2]?.answer(1); // second's own call: nobody left to take its grant
    await tick();
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0, keys: new Map() });

    const alone = new AbortController();
    const lone = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const never = lone.schedule(() => 'never', { signal: alone.signal, key: 'solo' });
    alone.abort(new Error('solo'));
    await expect(never).rejects.toThrow('solo');
    await tick();
    expect(lone.stats()).toMatchObject({ running: 0, keys: new Map() });
  });

  it('an aborted task in flight and a refusal: the live ones requeue, slots all freed', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store, clock });
    const controller = new AbortController();
    const a = limiter.schedule(() => 'a', { signal: controller.signal });
    await tick();
    const b = limiter.schedule(() => 'b');
    await tick();
    controller.abort(new Error('a gone'));
    await expect(a).rejects.toThrow('a gone');
    store.calls[0]?.answer(0, 10); // refused: b (the live one) goes back to the queue
    store.calls[1]?.answer(0, 10);
    await tick();
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 1 });
    await clock.advance(10);
    await tick();
    store.calls[2]?.answer(1);
    await expect(b).resolves.toBe('b');
  });

  it('a failed call rejects its tasks with the store error and frees their slots', async () => {
    let down = true;
    const rejected: RejectedEvent[] = [];
    const store = batchingStore(memoryStore(), { fail: () => down });
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      onRejected: (e) => rejected.push(e),
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => limiter.schedule(() => i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(rejected.map((e) => e.reason)).toEqual(['store-error', 'store-error', 'store-error']);
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
    down = false;
    await expect(limiter.schedule(() => 4)).resolves.toBe(4);

    const throwing = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: {
        ...batchingStore(memoryStore()),
        tryAcquireMany: () => {
          throw new Error('sync throw');
        },
      },
    });
    const both = await Promise.allSettled([throwing.schedule(() => 1), throwing.schedule(() => 2)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(throwing.stats().running).toBe(0);
  });

  it('a store answering a one-task batch synchronously still works', async () => {
    const inner = memoryStore();
    const limiter = createRateLimiter({
      ...EXACT,
      store: {
        tryAcquire: (...args) => inner.tryAcquire(...args),
        tryAcquireMany: vi.fn(),
        pause: () => {},
      },
      policies: [{ limit: 1, intervalMs: 1000 }],
    });
    await expect(limiter.schedule(() => 'sync')).resolves.toBe('sync');
  });
});

describe('createRateLimiter: batches and the queue', () => {
  it('a batch sent by a drain leaves nothing for the tick-end flush', async () => {
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({ ...EXACT, store, concurrency: 1, maxWaitMs: 1000 });
    const all = [limiter.schedule(() => 1), limiter.schedule(() => 2)];
    await expect(Promise.all(all)).resolves.toEqual([1, 2]);
    expect(store.batches).toEqual([1, 1]);
  });

  it('a failed call: tasks aborted in flight are skipped, the live ones get the error', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const controller = new AbortController();
    const a = limiter.schedule(() => 'a', { signal: controller.signal });
    await tick();
    const b = limiter.schedule(() => 'b');
    await tick();
    controller.abort(new Error('a gone'));
    await expect(a).rejects.toThrow('a gone');
    store.calls[1]?.fail(new Error('down'));
    await expect(b).rejects.toThrow('down');
    store.calls[0]?.fail(new Error('down'));
    await tick();
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('a task that schedules another while the queue drains, and lanes emptied by aborts', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 1, maxWaitMs: 60_000 });
    let release!: () => void;
    const first = limiter.schedule(() => new Promise<void>((r) => (release = r)));
    const controllers = [new AbortController(), new AbortController()];
    const doomed = controllers.map((c) =>
      limiter.schedule(() => 'never', { key: 'b', signal: c.signal }),
    );
    let inner: Promise<unknown> | undefined;
    const nested = limiter.schedule(
      () => {
        inner = limiter.schedule(() => 'inner', { key: 'c' }); // queued from inside a drain
        return 'outer';
      },
      { key: 'c' },
    );
    for (const c of controllers) c.abort(new Error('gone'));
    await Promise.allSettled(doomed);
    release();
    await first;
    await expect(nested).resolves.toBe('outer');
    await expect(inner).resolves.toBe('inner');
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });
});

describe('createRateLimiter: synchronous tasks', () => {
  it('free their slot in a shared microtask, before their promise resolves', async () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: 2 });
    const seen: number[] = [];
    const all = Array.from({ length: 6 }, (_, i) =>
      limiter.schedule(() => {
        seen.push(limiter.stats().running);
        return i;
      }),
    );
    expect(limiter.stats()).toMatchObject({ running: 2, queued: 4 });
    const first = await all[0];
    expect(first).toBe(0);
    expect(limiter.stats().running).toBeLessThanOrEqual(2);
    await expect(Promise.all(all)).resolves.toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });
});
