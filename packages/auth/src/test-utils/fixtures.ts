import { type ManualClock, manualClock } from '@brace/core';
import type { CustomTokenResponse } from '../custom-grant.js';
import { customGrant, type GrantContext } from '../index.js';

/** A seeded random in [0, 1) (mulberry32), so jitter repeats. */
export function seeded(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A counting custom grant: token `at-<n>`, lifetime `ttlSec`, behaviour overridable per call. */
export function countingGrant(
  clock: ManualClock,
  ttlSec = 3600,
  behave?: (n: number, context: GrantContext) => Promise<CustomTokenResponse> | undefined,
) {
  const calls: GrantContext[] = [];
  const grant = customGrant(
    async (context) => {
      calls.push(context);
      const n = calls.length;
      const override = behave?.(n, context);
      if (override !== undefined) return override;
      return { accessToken: `at-${n}`, expiresAt: clock.now() + ttlSec * 1000 };
    },
    { name: 'test grant' },
  );
  return { grant, calls };
}

export { manualClock };

/** Advances the manual clock sleep by sleep (yielding to I/O between) until `done()` holds. */
export async function drive(clock: ManualClock, done: () => boolean, max = 200): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (done()) return;
    if (!(await clock.next())) await new Promise((r) => setImmediate(r));
  }
  throw new Error('drive: condition never held');
}

/** Tracks whether a promise settled. */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { promise, settled: () => settled };
}
