import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from './create.js';
import { memoryStore } from './memory-store.js';
import { asyncStore, runUntil, tick } from './test-utils/helpers.js';
import type { RejectedEvent } from './types.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

describe('createRateLimiter: asynchronous stores', () => {
  it('keeps per-key order and the strict limit through a promise-returning store', async () => {
    const clock = manualClock();
    const store = asyncStore(memoryStore());
    const limiter = createRateLimiter({
      ...EXACT,
      policies: [{ limit: 2, intervalMs: 100 }],
      concurrency: 3,
      store,
      clock,
    });
    const starts: number[] = [];
    const order: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) =>
      limiter.schedule(
        () => {
          starts.push(clock.now());
          order.push(i);
        },
        { key: i % 2 ? 'odd' : 'even' },
      ),
    );
    await runUntil(clock, Promise.all(all));
    expect(order.filter((i) => i % 2 === 0)).toEqual([0, 2, 4, 6, 8]);
    expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
    expect(store.calls).toBeGreaterThan(10);
  });

  it('rejects with the store error and frees the slot', async () => {
    let down = true;
    const rejected: RejectedEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: asyncStore(memoryStore(), { fail: () => down }),
      onRejected: (e) => rejected.push(e),
    });
    await expect(limiter.schedule(() => 1)).rejects.toThrow('store down');
    expect(rejected[0]?.reason).toBe('store-error');
    expect(limiter.stats().running).toBe(0);
    down = false;
    await expect(limiter.schedule(() => 2)).resolves.toBe(2);
  });

  it('an abort while the store is answering: never runs, slot freed when the answer comes', async () => {
    for (const allowed of [true, false]) {
      const store = memoryStore();
      if (!allowed) store.tryAcquire('default', [{ limit: 1, intervalMs: 1000 }], 1, 0);
      const limiter = createRateLimiter({
        ...EXACT,
        policies: [{ limit: 1, intervalMs: 1000 }],
        store: asyncStore(store),
        clock: manualClock(),
      });
      const controller = new AbortController();
      const fn = vi.fn();
      const task = limiter.schedule(fn, { signal: controller.signal });
      controller.abort(new Error('gone'));
      await expect(task).rejects.toThrow('gone');
      await tick();
      expect(fn).not.toHaveBeenCalled();
      expect(limiter.stats()).toMatchObject({ running: 0, queued: 0 });
    }
    let down = false;
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: asyncStore(memoryStore(), { fail: () => down }),
    });
    const controller = new AbortController();
    down = true;
    const task = limiter.schedule(() => 1, { signal: controller.signal });
    controller.abort(new Error('gone'));
    await expect(task).rejects.toThrow('gone');
    await tick();
    expect(limiter.stats().running).toBe(0);
  });

  it('reports a failing pause through onError and still pauses locally', async () => {
    const clock = manualClock();
    const errors: unknown[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: asyncStore(memoryStore(), { fail: () => true }),
      clock,
      onError: (e) => errors.push(e.error),
    });
    const sync = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: {
        tryAcquire: () => ({ ok: true }),
        pause: () => {
          throw new Error('sync pause');
        },
      },
      onError: (e) => errors.push(e.error),
    });
    sync.pause('x', 10);
    limiter.pause('x', 10);
    limiter.pause('x', 0);
    await tick();
    expect(errors.map(String)).toEqual(['Error: sync pause', 'Error: store down']);
  });
});
