import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import { RateLimitQueueFullError, RateLimitWaitTimeoutError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { batchingStore, controlledStore, runUntil, tick } from './test-utils/helpers.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

/** How each promise settled: 'ok' or the rejection's class name. */
async function outcomes(promises: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.constructor.name));
}

describe('createRateLimiter: a key batch and flight hold only interchangeable tasks', () => {
  it('a grant answered for an aborted task never starts a task of another cost', async () => {
    const clock = manualClock();
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      clock,
      policies: [{ limit: 2, intervalMs: 5000 }],
    });
    const controller = new AbortController();
    const a = limiter.schedule(() => 'a', { signal: controller.signal });
    const b = limiter.schedule(() => clock.now(), { cost: 2 });
    // After the flush: a's call is out when a aborts; its 1-unit grant must not start b.
    queueMicrotask(() => controller.abort(new Error('a gone')));
    await expect(a).rejects.toThrow('a gone');
    // b (2 units) only fits once a's unit has left the 5 s window.
    expect(await runUntil(clock, b)).toBeGreaterThanOrEqual(5000);
    expect(store.batches).toEqual([1, 1, 1]);
  });

  it('tasks of another cost or priority submitted together go in separate calls', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const all = [
      limiter.schedule(() => 'a'),
      limiter.schedule(() => 'b', { cost: 2 }),
      limiter.schedule(() => 'c', { priority: 1 }),
    ];
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1]]);
    store.calls[0]?.answer(1);
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1], [1]]); // c: higher priority
    store.calls[1]?.answer(1);
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1], [1], [2]]);
    store.calls[2]?.answer(1);
    await expect(Promise.all(all)).resolves.toEqual(['a', 'b', 'c']);
  });
});

describe('createRateLimiter: a key forgotten and seen again', () => {
  it('a task queued in a lane left by the old key state waits for the new calls', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store, clock });
    const gone = new AbortController();
    const first = limiter.schedule(() => 'first', { key: 'k', signal: gone.signal });
    await tick();
    store.calls[0]?.answer(0, 10); // refused: first goes back to k's lane
    await tick();
    gone.abort(new Error('gone')); // k is forgotten; its (empty) lane stays
    await expect(first).rejects.toThrow('gone');
    await clock.advance(10);
    const a = limiter.schedule(() => 'a', { key: 'k' });
    await tick();
    const b = limiter.schedule(() => 'b', { key: 'k', cost: 2 }); // queued in the old lane
    await tick();
    expect(store.calls.slice(1).map((call) => call.costs)).toEqual([[1]]);
    store.calls[1]?.answer(1);
    await expect(a).resolves.toBe('a');
    await tick();
    expect(store.calls.slice(1).map((call) => call.costs)).toEqual([[1], [2]]);
    store.calls[2]?.answer(1);
    await expect(b).resolves.toBe('b');
  });
});

describe('createRateLimiter: aborts around a remote answer', () => {
  it('a granted task aborted by a sibling granted with it never runs, and frees its slot', async () => {
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const controller = new AbortController();
    const ran: string[] = [];
    const first = limiter.schedule(() => {
      ran.push('first');
      controller.abort(new Error('sibling gone'));
      return 1;
    });
    const second = limiter.schedule(() => ran.push('second'), { signal: controller.signal });
    await expect(first).resolves.toBe(1);
    await expect(second).rejects.toThrow('sibling gone');
    await tick();
    expect(ran).toEqual(['first']);
    expect(store.batches).toEqual([2]);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });

  it('a task queued at the cap runs once a task aborted before the flush frees its slot', async () => {
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({ ...EXACT, store, concurrency: 1 });
    const controller = new AbortController();
    const a = limiter.schedule(() => 'a', { signal: controller.signal });
    controller.abort(new Error('a gone'));
    const b = limiter.schedule(() => 'b');
    expect(limiter.stats()).toMatchObject({ queued: 1, running: 1 });
    await expect(a).rejects.toThrow('a gone');
    await expect(b).resolves.toBe('b');
    expect(limiter.stats()).toMatchObject({ queued: 0, running: 0 });
  });
});

describe('createRateLimiter: maxWaitMs and maxQueue with batched acquires', () => {
  it('maxWaitMs: tasks refused by a batch time out after maxWaitMs', async () => {
    const clock = manualClock();
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({
      ...EXACT,
      store,
      clock,
      maxWaitMs: 100,
      policies: [{ limit: 1, intervalMs: 1500 }],
    });
    const settledAt: number[] = [];
    const all = [1, 2, 3].map((i) =>
      limiter.schedule(() => i).finally(() => settledAt.push(clock.now())),
    );
    await runUntil(clock, Promise.allSettled(all));
    expect(await outcomes(all)).toEqual([
      'ok',
      RateLimitWaitTimeoutError.name,
      RateLimitWaitTimeoutError.name,
    ]);
    expect(settledAt).toEqual([0, 100, 100]);
  });

  it('maxQueue: tasks joining a call count as queued; the rest are refused at once', async () => {
    const clock = manualClock();
    const store = batchingStore(memoryStore());
    const limiter = createRateLimiter({
      ...EXACT,
      store,
      clock,
      maxQueue: 1,
      policies: [{ limit: 1, intervalMs: 300 }],
    });
    const all = Array.from({ length: 6 }, (_, i) => limiter.schedule(() => i));
    const early = await Promise.race([
      Promise.allSettled(all.slice(2)).then((r) => r.map((x) => x.status)),
      tick().then(() => 'pending'),
    ]);
    expect(early).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    await tick();
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 1 });
    await runUntil(clock, Promise.allSettled(all));
    expect(await outcomes(all)).toEqual([
      'ok',
      'ok',
      ...Array(4).fill(RateLimitQueueFullError.name),
    ]);
    expect(store.batches).toEqual([2, 1]);
  });

  it('maxQueue also bounds tasks that join a call from the queue (with maxWaitMs)', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      maxQueue: 2,
      maxWaitMs: 60_000,
    });
    const all = [0, 1, 2].map((i) => limiter.schedule(() => i));
    await expect(limiter.schedule(() => 3)).rejects.toBeInstanceOf(RateLimitQueueFullError);
    await tick();
    // 0 went on the fast path; 1 and 2 joined from the queue (so they have deadlines).
    expect(store.calls.map((call) => call.costs)).toEqual([[1, 1], [1]]);
    store.calls[0]?.answer(1, 10);
    store.calls[1]?.answer(0, 10); // 1 and 2 are refused: back to the queue
    await expect(all[0]).resolves.toBe(0);
    expect(limiter.stats()).toMatchObject({ queued: 2 });
    await expect(limiter.schedule(() => 4)).rejects.toBeInstanceOf(RateLimitQueueFullError);
  });
});

describe('createRateLimiter: priority within a key with calls in flight', () => {
  it('a higher-priority task goes next; later low-priority tasks do not join the calls', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const order: string[] = [];
    const all = [limiter.schedule(() => order.push('L0'), { key: 'k' })];
    await tick();
    all.push(limiter.schedule(() => order.push('H'), { key: 'k', priority: 10 }));
    for (let i = 1; i <= 3; i++)
      all.push(limiter.schedule(() => order.push(`L${i}`), { key: 'k' }));
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1]]);
    for (let i = 0; i < 10 && store.calls.length > 0; i++) {
      const call = store.calls.shift();
      call?.answer(call.costs.length);
      await tick();
    }
    await Promise.all(all);
    expect(order).toEqual(['L0', 'H', 'L1', 'L2', 'L3']);
  });

  it('a steady low-priority stream does not starve a higher-priority task', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const order: string[] = [];
    limiter.schedule(() => order.push('L'), { key: 'k' });
    await tick();
    limiter.schedule(() => order.push('L'), { key: 'k' }); // a second call in flight
    await tick();
    const high = limiter.schedule(() => order.push('H'), { key: 'k', priority: 10 });
    for (let i = 0; i < 20; i++) {
      limiter.schedule(() => order.push('L'), { key: 'k' });
      await tick();
      const call = store.calls.shift();
      call?.answer(call.costs.length);
      await tick();
    }
    await high;
    expect(order.indexOf('H')).toBe(2);
  });
});
