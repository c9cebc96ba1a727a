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
