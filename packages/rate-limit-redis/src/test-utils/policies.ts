import type { RateLimitPolicy } from '@brace/rate-limit';

/**
 * Two GCRA policies around a sliding log, for tests of mixed policies: from a fresh key, the
 * third policy (10/s, burst 3) refuses the fourth unit, and the log (4 a minute) the fifth.
 */
export const MIXED_POLICIES: readonly RateLimitPolicy[] = Object.freeze([
  { limit: 100, intervalMs: 1000, burst: 5 },
  { limit: 4, intervalMs: 60_000 },
  { limit: 10, intervalMs: 1000, burst: 3 },
]);
