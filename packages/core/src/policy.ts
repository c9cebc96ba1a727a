import type { RateLimitHeaderPolicy } from './rate-limit.js';

/**
 * One rate limit as Brace enforces it — the single policy type of every Brace package
 * (`@brace/rate-limit` re-exports it): at most `limit` units of cost per rolling
 * `intervalMs`. Without `burst` the limiter enforces it as a sliding log (never more than
 * `limit` starts in any rolling window); with `burst`, as GCRA (a steady
 * `limit / intervalMs` rate with up to `burst` units at once).
 *
 * What a server announces in `RateLimit-Policy` is a {@link RateLimitHeaderPolicy};
 * {@link policyFromHeader} turns one into this type.
 *
 * @example
 * ```ts
 * import type { RateLimitPolicy } from '@brace/core';
 *
 * const perSecond: RateLimitPolicy = { limit: 10, intervalMs: 1000 };
 * const smooth: RateLimitPolicy = { limit: 5000, intervalMs: 60_000, burst: 100 };
 * ```
 */
export interface RateLimitPolicy {
  /** Units of cost allowed per `intervalMs`; an integer >= 1. */
  limit: number;
  /** The window length in milliseconds; > 0. */
  intervalMs: number;
  /** Enforce as GCRA with this many units allowed at once; an integer >= 1. */
  burst?: number;
}

/**
 * The default bound on how many keys (hosts, tenants) any Brace in-memory per-key map
 * keeps — a limiter's memory store, a retry budget, a circuit breaker: 10,000. Least recently
 * used keys are evicted first. One name, one meaning in every package.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_KEYS } from '@brace/core';
 *
 * console.log(DEFAULT_MAX_KEYS); // 10000
 * ```
 */
export const DEFAULT_MAX_KEYS = 10_000;

/**
 * The policy a server announced (`RateLimit-Policy: "burst";q=100;w=60`) as a
 * {@link RateLimitPolicy} to enforce (`{ limit: 100, intervalMs: 60000 }`), or `undefined`
 * when it cannot be one: no window, a zero quota, or a unit other than requests.
 *
 * @example
 * ```ts
 * import { parseRateLimit, policyFromHeader } from '@brace/core';
 *
 * const announced = parseRateLimit({ 'ratelimit-policy': '"burst";q=100;w=60' })?.policies ?? [];
 * const policies = announced.map(policyFromHeader).filter((p) => p !== undefined);
 * // [{ limit: 100, intervalMs: 60000 }]
 * ```
 */
export function policyFromHeader(policy: RateLimitHeaderPolicy): RateLimitPolicy | undefined {
  const { quota, windowSec, quotaUnit } = policy;
  if (windowSec === undefined || !(quota >= 1)) return undefined;
  if (quotaUnit !== undefined && quotaUnit !== 'requests') return undefined;
  return { limit: quota, intervalMs: windowSec * 1000 };
}
