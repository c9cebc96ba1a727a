import type { ManualClock } from '@brace/core';
import type { AcquireResult, RateLimitStore } from '../store.js';

/** Max starts within any half-open window [t, t + intervalMs) of sorted start times. */
export function maxInWindow(
  starts: readonly number[],
  intervalMs: number,
  costs?: readonly number[],
): number {
  const sorted = starts.map((t, i) => [t, costs?.[i] ?? 1] as const).sort((a, b) => a[0] - b[0]);
  let max = 0;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    sum += (sorted[hi] as readonly [number, number])[1];
    while (
      (sorted[lo] as readonly [number, number])[0] <=
      (sorted[hi] as readonly [number, number])[0] - intervalMs
    ) {
      sum -= (sorted[lo] as readonly [number, number])[1];
      lo++;
    }
    if (sum > max) max = sum;
  }
  return max;
}

/** Wraps a synchronous store so every answer is a promise (a stand-in for a remote store). */
export function asyncStore(
  inner: RateLimitStore,
  options: { fail?: () => boolean } = {},
): RateLimitStore & { calls: number } {
  const store = {
    calls: 0,
    async tryAcquire(
      key: string,
      policies: Parameters<RateLimitStore['tryAcquire']>[1],
      cost: number,
      now: number,
    ): Promise<AcquireResult> {
      store.calls++;
      await Promise.resolve();
      if (options.fail?.()) throw new Error('store down');
      return inner.tryAcquire(key, policies, cost, now) as AcquireResult;
    },
    async pause(...args: Parameters<RateLimitStore['pause']>) {
      await Promise.resolve();
      if (options.fail?.()) throw new Error('store down');
      await inner.pause(...args);
    },
  };
  return store;
}

/** One call a {@link controlledStore} received, answered by the test. */
export interface HeldCall {
  key: string;
  costs: number[];
  answer(granted: number, retryInMs?: number): void;
  /** Answers with `value` as it is (e.g. a malformed answer of a buggy store). */
  reply(value: unknown): void;
  fail(error: unknown): void;
}

/**
 * A remote-like store whose calls wait for the test to answer them (`calls`), with
 * `tryAcquireMany` for batches. Grants are not checked against any policy.
 */
export function controlledStore(): RateLimitStore & { calls: HeldCall[] } {
  const calls: HeldCall[] = [];
  const hold = <T>(
    key: string,
    costs: number[],
    shape: (granted: number, retryInMs: number) => T,
  ) =>
    new Promise<T>((resolve, reject) => {
      calls.push({
        key,
        costs,
        answer: (granted, retryInMs = 100) => resolve(shape(granted, retryInMs)),
        reply: (value) => resolve(value as T),
        fail: reject,
      });
    });
  return {
    calls,
    async tryAcquire(key, _policies, cost): Promise<AcquireResult> {
      return hold(key, [cost], (granted, retryInMs) =>
        granted === 1 ? { ok: true } : { ok: false, retryInMs, policyIndex: 0 },
      );
    },
    async tryAcquireMany(key, _policies, costs) {
      return hold(key, [...costs], (granted, retryInMs) => ({
        granted,
        refused:
          granted < costs.length ? { ok: false as const, retryInMs, policyIndex: 0 } : undefined,
      }));
    },
    pause() {},
  };
}

/** Wraps a synchronous store as a remote one with `tryAcquireMany`, recording batch sizes. */
export function batchingStore(
  inner: RateLimitStore,
  options: { fail?: () => boolean } = {},
): RateLimitStore & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    async tryAcquire(key, policies, cost, now): Promise<AcquireResult> {
      batches.push(1);
      await Promise.resolve();
      if (options.fail?.()) throw new Error('store down');
      return inner.tryAcquire(key, policies, cost, now) as AcquireResult;
    },
    async tryAcquireMany(key, policies, costs, now) {
      batches.push(costs.length);
      await Promise.resolve();
      if (options.fail?.()) throw new Error('store down');
      for (let i = 0; i < costs.length; i++) {
        const result = inner.tryAcquire(key, policies, costs[i] as number, now) as AcquireResult;
        if (!result.ok) return { granted: i, refused: result };
      }
      return { granted: costs.length, refused: undefined };
    },
    pause: (...args) => inner.pause(...args),
  };
}

/** Lets pending I/O callbacks and promise continuations run (one macrotask turn). */
export const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances the manual clock sleep by sleep until `promise` settles (timers may be armed late). */
export async function runUntil<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 100_000 && !settled; i++) if (!(await clock.next())) await tick();
  return promise;
}

/**
 * How each promise stands once pending work has run (one macrotask turn): 'ok', the
 * rejection's class name, or 'pending' (so a test never waits on a promise that never settles).
 */
export async function outcomesNow(promises: Promise<unknown>[]): Promise<string[]> {
  const seen = promises.map(() => 'pending');
  promises.forEach((promise, i) => {
    promise.then(
      () => (seen[i] = 'ok'),
      (error) => (seen[i] = error.constructor.name),
    );
  });
  await tick();
  return seen;
}
