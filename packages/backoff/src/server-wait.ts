/**
 * The smallest spread of the positive jitter added to a server-requested wait: 1,000 ms.
 * `retryAfterJitter` × the wait is used when larger. Without it, clients told
 * `Retry-After: 1` would all wake within 200 ms (20% of 1 s) of each other.
 *
 * @example
 * ```ts
 * import { MIN_RETRY_AFTER_SPREAD_MS } from '@brace/backoff';
 *
 * console.log(MIN_RETRY_AFTER_SPREAD_MS); // 1000
 * ```
 */
export const MIN_RETRY_AFTER_SPREAD_MS = 1_000;

/**
 * @internal The wait before retrying after the server asked for `serverDelayMs`: never less
 * than asked, plus positive jitter spread over `max(ratio × serverDelayMs,
 * MIN_RETRY_AFTER_SPREAD_MS)` (none when `ratio` is 0). The jitter is not clamped to
 * `maxRetryAfter`: clamping put every client told a wait at the cap on the same instant.
 * `maxRetryAfter` bounds what the server may ask, and is checked before this.
 */
export function serverWait(serverDelayMs: number, random: () => number, ratio: number): number {
  if (!(ratio > 0)) return serverDelayMs;
  const r = random();
  const spread = Math.max(serverDelayMs * ratio, MIN_RETRY_AFTER_SPREAD_MS);
  return serverDelayMs + (r >= 0 && r < 1 ? r : 0) * spread;
}
