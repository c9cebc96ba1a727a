import { LimiterHandle } from './handle.js';
import { Limiter } from './limiter.js';
import type { RateLimiter, RateLimiterOptions } from './types.js';

/**
 * Creates a rate limiter: a queue with a concurrency cap, priorities and round-robin fairness
 * across keys, in front of a store that enforces every policy atomically (sliding log by
 * default — never more than `limit` starts in any rolling `intervalMs` — or GCRA with
 * `burst`). Waits are exact (one timer for the earliest wake-up, no polling), and the limiter
 * learns pauses from the server through `observe`. Bad options throw `RateLimitOptionsError`.
 *
 * @example
 * ```ts
 * import { createRateLimiter } from '@brace/rate-limit';
 *
 * const limiter = createRateLimiter({
 *   policies: [
 *     { limit: 10, intervalMs: 1000 },
 *     { limit: 500, intervalMs: 60_000 },
 *   ],
 *   concurrency: 4,
 * });
 * const response = await limiter.schedule(() => fetch('https://api.example.com/items'));
 * limiter.observe(response, { key: 'default' }); // pauses on 429 + Retry-After or remaining 0
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  return new LimiterHandle(new Limiter(options));
}
