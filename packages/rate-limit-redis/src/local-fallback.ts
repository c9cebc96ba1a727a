import type {
  AcquireManyResult,
  AcquireResult,
  MemoryStore,
  RateLimitPolicy,
} from '@brace/rate-limit';

/** One acquire of the local fallback (fail-open): a grant carries the time it was charged at. */
export function locally(
  store: MemoryStore,
  key: string,
  policies: readonly RateLimitPolicy[],
  cost: number,
  now: number,
): AcquireResult {
  const result = store.tryAcquire(key, policies, cost, now);
  return result.ok ? { ok: true, grant: now } : result;
}

/** Acquires `costs` one by one from the local fallback until one is refused. */
export function acquireLocally(
  store: MemoryStore,
  key: string,
  policies: readonly RateLimitPolicy[],
  costs: readonly number[],
  now: number,
): AcquireManyResult {
  for (let i = 0; i < costs.length; i++) {
    const result = store.tryAcquire(key, policies, costs[i] as number, now);
    if (!result.ok) return { granted: i, refused: result, grants: new Array(i).fill(now) };
  }
  return { granted: costs.length, refused: undefined, grants: new Array(costs.length).fill(now) };
}
