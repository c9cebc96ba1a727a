import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import { memoryStore } from './memory-store.js';
import type { AcquireResult, RateLimitStore } from './store.js';
import { asyncStore, controlledStore, outcomesNow, runUntil, tick } from './test-utils/helpers.js';
import type { RejectedEvent } from './types.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

describe('createRateLimiter: a remote answer that puts tasks back in the queue', () => {
  it('a refused task that cannot be queued again (bad weight) rejects; nothing escapes', async () => {
    const store = controlledStore();
    // The fast path never asks for a weight; the requeue of a refused task does.
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store, weight: () => 0 });
    const all = [limiter.schedule(() => 'a'), limiter.schedule(() => 'b')];
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1, 1]]);
    store.calls[0]?.answer(0, 10);
    expect(await outcomesNow(all)).toEqual(['RateLimitOptionsError', 'RateLimitOptionsError']);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
    expect(store.calls).toHaveLength(1);
  });

  it('a store throwing synchronously in the drain after an answer rejects that task only', async () => {
    const clock = manualClock();
    const inner = asyncStore(memoryStore());
    let calls = 0;
    const store: RateLimitStore = {
      // A store without tryAcquireMany whose second call throws before returning a promise.
      tryAcquire: (key, policies, cost, now) => {
        if (++calls === 2) throw new Error('client closed');
        if (calls === 1)
          return Promise.resolve<AcquireResult>({ ok: false, retryInMs: 10, policyIndex: 0 });
        return inner.tryAcquire(key, policies, cost, now);
      },
      pause: () => {},
    };
    const rejected: RejectedEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      store,
      clock,
      concurrency: 1,
      onRejected: (e) => rejected.push(e),
    });
    const a = limiter.schedule(() => 'a', { key: 'x' }); // in flight, then refused
    const b = limiter.schedule(() => 'b', { key: 'y' }); // queued at the cap
    expect(await outcomesNow([a, b])).toEqual(['pending', 'Error']);
    await expect(b).rejects.toThrow('client closed');
    expect(rejected.map((e) => [e.key, e.reason])).toEqual([['y', 'store-error']]);
    // The limiter goes on: `a` is tried again once its key's wait is over.
    await expect(runUntil(clock, a)).resolves.toBe('a');
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });
});

describe('createRateLimiter: malformed answers of a custom remote store', () => {
  const refusal = { ok: false, retryInMs: 10, policyIndex: 0 };
  const many: [string, unknown][] = [
    ['granted < 0', { granted: -1, refused: refusal }],
    ['granted NaN', { granted: Number.NaN, refused: refusal }],
    ['granted > tasks asked', { granted: 4, refused: undefined }],
    ['granted not an integer', { granted: 1.5, refused: refusal }],
    ['granted as a string', { granted: '3', refused: undefined }],
    ['refused missing when granted < n', { granted: 1, refused: undefined }],
    ['refusal with retryInMs NaN', { granted: 1, refused: { ...refusal, retryInMs: Number.NaN } }],
    ['refusal with retryInMs 0', { granted: 0, refused: { ...refusal, retryInMs: 0 } }],
    ['refusal forever', { granted: 0, refused: { ...refusal, retryInMs: Infinity } }],
    ['refusal not a refusal', { granted: 2, refused: { ok: true } }],
    ['neither granted nor ok', {}],
    ['a single answer for a batch', { ok: true }],
    ['undefined', undefined],
    ['null', null],
  ];

  it.each(many)(
    'tryAcquireMany answering %s: every task of the call rejects, no slot leaks',
    async (_, answer) => {
      const store = controlledStore();
      const rejected: RejectedEvent[] = [];
      const limiter = createRateLimiter({
        ...EXACT,
        concurrency: Infinity,
        store,
        onRejected: (e) => rejected.push(e),
      });
      const ran: number[] = [];
      const all = [1, 2, 3].map((i) => limiter.schedule(() => ran.push(i)));
      await tick();
      store.calls[0]?.reply(answer);
      expect(await outcomesNow(all)).toEqual(Array(3).fill('RateLimitStoreAnswerError'));
      const error = await all[0]?.catch((e) => e);
      expect(error).toMatchObject({
        code: 'RATE_LIMIT_STORE_INVALID_ANSWER',
        key: 'default',
        operation: 'tryAcquireMany',
      });
      expect(rejected.map((e) => e.reason)).toEqual(Array(3).fill('store-error'));
      expect(ran).toEqual([]);
      expect(store.calls).toHaveLength(1); // not sent again: no loop
      expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
    },
  );

  const single: [string, unknown][] = [
    ['undefined', undefined],
    ['ok not a boolean', { ok: 'yes' }],
    ['a refusal without retryInMs', { ok: false, policyIndex: 0 }],
    ['granted > 1', { granted: 2, refused: undefined }],
  ];

  it.each(single)(
    'tryAcquire answering %s (batched or not): the task rejects',
    async (_, answer) => {
      const held = controlledStore();
      const unbatched: RateLimitStore = { tryAcquire: held.tryAcquire, pause: held.pause };
      for (const store of [held, unbatched]) {
        const limiter = createRateLimiter({ ...EXACT, store, concurrency: 1 });
        const ran: string[] = [];
        const all = [limiter.schedule(() => ran.push('a')), limiter.schedule(() => ran.push('b'))];
        await tick();
        held.calls.shift()?.reply(answer);
        expect(await outcomesNow(all)).toEqual(['RateLimitStoreAnswerError', 'pending']);
        await expect(all[0]).rejects.toMatchObject({ operation: 'tryAcquire' });
        // The next task is tried as usual.
        held.calls.shift()?.answer(1);
        await expect(all[1]).resolves.toBe(1);
        expect(ran).toEqual(['b']);
        expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
      }
    },
  );

  it('a malformed answer fails its own call only; the calls in flight keep their tasks', async () => {
    const store = controlledStore();
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, store });
    const a = limiter.schedule(() => 'a');
    await tick();
    const b = limiter.schedule(() => 'b');
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1], [1]]);
    store.calls[0]?.reply({ granted: -1, refused: refusal });
    // One task fails (the youngest in flight, as for a failed call); the other keeps waiting.
    expect(await outcomesNow([a, b])).toEqual(['pending', 'RateLimitStoreAnswerError']);
    store.calls[1]?.answer(1);
    await expect(a).resolves.toBe('a');
    expect(store.calls).toHaveLength(2);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });
});

describe('createRateLimiter: maxWaitMs deadlines while remote calls are in flight', () => {
  it('a queued task times out on time behind a task whose call is in flight', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      clock,
      maxWaitMs: 100,
    });
    const a = limiter.schedule(() => 'a'); // fast path: in flight
    const b = limiter.schedule(() => 'b'); // joins a's batch from the queue: in flight
    const c = limiter.schedule(() => 'c', { cost: 2 }); // waits for that call to land
    let timedOutAt = -1;
    c.catch(() => (timedOutAt = clock.now()));
    await tick();
    expect(store.calls.map((call) => call.costs)).toEqual([[1, 1]]);
    await clock.advance(150);
    expect(await outcomesNow([a, b, c])).toEqual([
      'pending',
      'pending',
      'RateLimitWaitTimeoutError',
    ]);
    expect(timedOutAt).toBe(100);
    store.calls[0]?.answer(2);
    expect(await outcomesNow([a, b])).toEqual(['ok', 'ok']);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });

  it('a task queued behind a server pause times out on time while a call is in flight', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      clock,
      maxWaitMs: 100,
    });
    const a = limiter.schedule(() => 'a');
    const b = limiter.schedule(() => 'b'); // from the queue into a's batch
    await tick();
    limiter.pause('default', 10_000);
    let timedOutAt = -1;
    const c = limiter.schedule(() => 'c');
    c.catch(() => (timedOutAt = clock.now()));
    await clock.advance(150);
    expect(await outcomesNow([c])).toEqual(['RateLimitWaitTimeoutError']);
    expect(timedOutAt).toBe(100);
    expect(store.calls.map((call) => call.costs)).toEqual([[1, 1]]);
    store.calls[0]?.answer(2);
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
  });

  it('a task refused after its deadline passed in flight times out at the answer', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      clock,
      maxWaitMs: 100,
    });
    const a = limiter.schedule(() => 'a');
    const b = limiter.schedule(() => 'b');
    await tick();
    await clock.advance(150);
    store.calls[0]?.answer(1, 10); // a runs; b goes back to the queue, 50 ms past its deadline
    expect(await outcomesNow([a, b])).toEqual(['ok', 'RateLimitWaitTimeoutError']);
    expect(store.calls).toHaveLength(1);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });

  it('a refused task keeps its deadline; one refused on the fast path gets one too', async () => {
    const clock = manualClock();
    const store = controlledStore();
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store,
      clock,
      maxWaitMs: 100,
    });
    const settledAt: Record<string, number> = {};
    const track = (name: string, p: Promise<unknown>) =>
      p.then(
        () => (settledAt[name] = clock.now()),
        () => (settledAt[name] = -clock.now()),
      );
    track(
      'a',
      limiter.schedule(() => 'a', { key: 'x' }),
    ); // fast path, no deadline yet
    track(
      'b',
      limiter.schedule(() => 'b', { key: 'x' }),
    ); // queued at 0: deadline 100
    await tick();
    await clock.advance(30);
    track(
      'c',
      limiter.schedule(() => 'c', { key: 'y' }),
    ); // fast path at 30
    await tick();
    await clock.advance(20);
    expect(store.calls.map((call) => [call.key, call.costs])).toEqual([
      ['x', [1, 1]],
      ['y', [1]],
    ]);
    store.calls[0]?.answer(0, 1000); // a and b refused at 50: x waits 1 s
    store.calls[1]?.answer(0, 1000); // c refused at 50: y waits 1 s
    await tick();
    expect(limiter.stats()).toMatchObject({ queued: 3, running: 0 });
    await clock.advance(200);
    await tick();
    // Rejected (negative) when maxWaitMs after submission had passed: 100, 100 and 130.
    expect(settledAt).toEqual({ a: -100, b: -100, c: -130 });
    expect(store.calls).toHaveLength(2);
  });

  it('a synchronous store: a queued task times out on time behind one dispatched by the timer', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({
      ...EXACT,
      clock,
      concurrency: 1,
      maxWaitMs: 100,
      policies: [{ limit: 1, intervalMs: 50 }],
    });
    let open!: () => void;
    const a = limiter.schedule(() => 'a');
    const b = limiter.schedule(() => new Promise<void>((resolve) => (open = resolve)));
    let timedOutAt = -1;
    const c = limiter.schedule(() => 'c');
    c.catch(() => (timedOutAt = clock.now()));
    await tick();
    await clock.advance(60); // b starts when the policy allows (51 ms) and runs on
    expect(limiter.stats()).toMatchObject({ running: 1, queued: 1 });
    await clock.advance(100);
    expect(await outcomesNow([c])).toEqual(['RateLimitWaitTimeoutError']);
    expect(timedOutAt).toBe(100);
    open();
    await expect(Promise.all([a, b])).resolves.toEqual(['a', undefined]);
  });
});

describe('createRateLimiter: a synchronous custom store that breaks its contract', () => {
  const syncStore = (answer: () => unknown): RateLimitStore => ({
    tryAcquire: () => answer() as AcquireResult,
    pause: () => {},
  });

  it('a store that throws on the fast path: schedule() returns a rejected promise, never throws', async () => {
    const rejected: RejectedEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      store: syncStore(() => {
        throw new Error('store down');
      }),
      onRejected: (e) => rejected.push(e),
    });
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = limiter.schedule(() => 'never', { key: 'tenant-1' });
    }).not.toThrow();
    await expect(promise).rejects.toThrow('store down');
    await expect(limiter.acquire({ key: 'tenant-2' })).rejects.toThrow('store down');
    expect(rejected.map((e) => [e.key, e.reason])).toEqual([
      ['tenant-1', 'store-error'],
      ['tenant-2', 'store-error'],
    ]);
    // No key state is left behind for the refused keys.
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['an empty object', {}],
    ['a refusal without a wait', { ok: false, retryInMs: 0, policyIndex: 0 }],
    [
      'a refusal waiting forever',
      { ok: false, retryInMs: Number.POSITIVE_INFINITY, policyIndex: 0 },
    ],
  ])(
    'a fast-path answer of %s rejects with RateLimitStoreAnswerError; the task never runs',
    async (_, answer) => {
      let ran = 0;
      const limiter = createRateLimiter({
        ...EXACT,
        concurrency: Infinity,
        store: syncStore(() => answer),
      });
      const outcome = await limiter.schedule(() => ran++, { key: 'k' }).catch((e: unknown) => e);
      expect(outcome).toMatchObject({
        name: 'RateLimitStoreAnswerError',
        code: 'RATE_LIMIT_STORE_INVALID_ANSWER',
        key: 'k',
      });
      expect(ran).toBe(0);
      expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
    },
  );

  it('a malformed answer while the queue drains rejects that task; the next one still runs', async () => {
    const clock = manualClock();
    const answers: unknown[] = [
      { ok: true }, // a: runs, holding the only slot
      { ok: false, retryInMs: Number.NaN, policyIndex: 0 }, // b: malformed when drained
      { ok: true }, // c
    ];
    const limiter = createRateLimiter({
      ...EXACT,
      store: syncStore(() => answers.shift()),
      clock,
      concurrency: 1,
    });
    let release!: () => void;
    const a = limiter.schedule(() => new Promise<string>((r) => (release = () => r('a'))));
    const b = limiter.schedule(() => 'b');
    const c = limiter.schedule(() => 'c');
    expect(await outcomesNow([a, b, c])).toEqual(['pending', 'pending', 'pending']);
    release();
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toMatchObject({ name: 'RateLimitStoreAnswerError' });
    await expect(c).resolves.toBe('c');
    expect(answers).toEqual([]);
    expect(limiter.stats()).toEqual({ queued: 0, running: 0, keys: new Map() });
  });
});
