import type { HeadersInput } from './headers.js';
import { getHeader } from './headers.js';
import { parseRateLimit } from './rate-limit.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * How long the server asked the client to wait, and which header said so.
 *
 * @example
 * ```ts
 * import { parseServerDelay, type ServerDelay } from '@brace/core';
 *
 * const delay: ServerDelay | undefined = parseServerDelay({ 'retry-after': '3' });
 * // { delayMs: 3000, source: 'retry-after' }
 * ```
 */
export interface ServerDelay {
  /** The wait in milliseconds (finite, never negative). */
  delayMs: number;
  /** `retry-after` when `Retry-After` said so; `rate-limit-reset` for an exhausted quota's reset. */
  source: 'retry-after' | 'rate-limit-reset';
}

/**
 * What the server asked the client to wait before the next request: a valid `Retry-After`
 * wins (the IETF rate-limit draft says it takes precedence over `t`); otherwise the reset of
 * a rate limit whose remaining quota is `0` (any form {@link parseRateLimit} reads).
 *
 * @param headers - the response headers
 * @param now - the current time in epoch ms, for HTTP-dates and epoch resets; defaults to `Date.now()`
 * @returns the delay, or `undefined` when the server asked for no wait
 *
 * @example
 * ```ts
 * import { parseServerDelay } from '@brace/core';
 *
 * parseServerDelay(new Headers({ 'Retry-After': '2' })); // { delayMs: 2000, source: 'retry-after' }
 * parseServerDelay({ ratelimit: 'limit=10, remaining=0, reset=7' });
 * // { delayMs: 7000, source: 'rate-limit-reset' }
 * parseServerDelay({ ratelimit: 'limit=10, remaining=3, reset=7' }); // undefined
 * ```
 */
export function parseServerDelay(
  headers: HeadersInput,
  now: number = Date.now(),
): ServerDelay | undefined {
  const retryAfter = parseRetryAfter(getHeader(headers, 'retry-after'), now);
  if (retryAfter !== undefined) return { delayMs: retryAfter, source: 'retry-after' };
  const info = parseRateLimit(headers, now);
  if (info?.remaining === 0 && info.resetMs !== undefined) {
    return { delayMs: info.resetMs, source: 'rate-limit-reset' };
  }
  return undefined;
}
