import { getHeader, type HeadersInput, parseRateLimit, parseRetryAfter } from '@brace/core';
import type { PauseReason } from './store.js';
import { DEFAULT_KEY, type PartitionContext, type RateLimiterOptions } from './types.js';

/**
 * @internal What a response asks of us: `pause` for `durationMs`; `pace` (at most one start
 * per `spacingMs` for `durationMs`); `backoff` (a bare 429: no header said how long); `ok` (a
 * success, which ends a backoff).
 */
export interface ServerPause {
  kind: 'pause' | 'pace' | 'backoff' | 'ok';
  key: string;
  durationMs: number;
  reason: PauseReason;
  spacingMs?: number;
  /** The response's status, when a response was given. */
  status?: number;
}

/**
 * Shopify's documented leak rate on standard plans: 2 requests per second (Plus plans leak
 * faster; pass the `shopifyLeakPerSecond` option).
 *
 * @example
 * ```ts
 * import { DEFAULT_SHOPIFY_LEAK_PER_SECOND } from '@brace/rate-limit';
 *
 * console.log(DEFAULT_SHOPIFY_LEAK_PER_SECOND); // 2
 * ```
 */
export const DEFAULT_SHOPIFY_LEAK_PER_SECOND = 2;

/**
 * The first pause after a bare 429 (no `Retry-After`, no rate-limit header): 1 s, doubling
 * with each 429 in a row (up to {@link MAX_BARE_429_PAUSE_MS}) until a success resets it.
 *
 * @example
 * ```ts
 * import { DEFAULT_BARE_429_PAUSE_MS } from '@brace/rate-limit';
 *
 * console.log(DEFAULT_BARE_429_PAUSE_MS); // 1000
 * ```
 */
export const DEFAULT_BARE_429_PAUSE_MS = 1_000;

/**
 * The longest pause after bare 429s in a row: 60 s.
 *
 * @example
 * ```ts
 * import { MAX_BARE_429_PAUSE_MS } from '@brace/rate-limit';
 *
 * console.log(MAX_BARE_429_PAUSE_MS); // 60000
 * ```
 */
export const MAX_BARE_429_PAUSE_MS = 60_000;

function isResponse(input: Response | HeadersInput): input is Response {
  return (
    typeof (input as Response).status === 'number' &&
    typeof (input as Response).headers === 'object' &&
    !(input instanceof Headers)
  );
}

function hostOf(url: string): string {
  if (url === '') return DEFAULT_KEY;
  try {
    return new URL(url).host || DEFAULT_KEY;
  } catch {
    return DEFAULT_KEY;
  }
}

/**
 * @internal Reads what the server asked: a Retry-After on 429/503 (or 403, GitHub's secondary
 * limits; or on bare headers) pauses for that long; otherwise `remaining` 0 with a reset
 * pauses until the reset. Retry-After wins.
 */
export function readServerPause(
  input: Response | HeadersInput,
  now: number,
  partition: NonNullable<RateLimiterOptions['partition']>,
  key: string | undefined,
  leakPerSecond: number = DEFAULT_SHOPIFY_LEAK_PER_SECOND,
  wantOk = false,
): ServerPause | undefined {
  const response = isResponse(input) ? input : undefined;
  const headers = response ? response.headers : (input as HeadersInput);
  const status = response?.status;
  let durationMs: number | undefined;
  let reason: PauseReason = 'retry-after';
  if (status === undefined || status === 429 || status === 503 || status === 403) {
    durationMs = parseRetryAfter(getHeader(headers, 'retry-after'), now);
  }
  let info: ReturnType<typeof parseRateLimit> | undefined;
  let parsed = false;
  let spacingMs: number | undefined;
  if (durationMs === undefined) {
    info = parseRateLimit(headers, now);
    parsed = true;
    if (info?.remaining === 0 && info.resetMs !== undefined && info.resetMs > 0) {
      durationMs = info.resetMs;
      reason = 'server-remaining';
    } else if (info?.source === 'shopify' && info.limit !== undefined && info.used !== undefined) {
      // A leaky bucket without a reset: full, wait for one to leak; over half full, go no
      // faster than it leaks until it is back to half.
      const leakMs = 1000 / leakPerSecond;
      if (info.used >= info.limit) {
        durationMs = leakMs;
        reason = 'server-remaining';
      } else if (info.used * 2 > info.limit) {
        spacingMs = leakMs;
        durationMs = (info.used - info.limit / 2) * leakMs;
      }
    } else if (
      info?.remaining !== undefined &&
      info.remaining > 0 &&
      info.resetMs !== undefined &&
      info.resetMs > 0
    ) {
      // Slow down before zero: spread what remains over the time to the reset.
      spacingMs = info.resetMs / info.remaining;
      durationMs = info.resetMs;
    }
  }
  let kind: ServerPause['kind'] = spacingMs === undefined ? 'pause' : 'pace';
  if (durationMs === undefined || durationMs <= 0) {
    if (status === 429) kind = 'backoff';
    else if (wantOk && status !== undefined && status < 400) kind = 'ok';
    else return undefined;
    durationMs = 0;
  }
  if (key === undefined) {
    const url = response?.url ?? '';
    if (partition === 'host') key = hostOf(url);
    else {
      if (!parsed) info = parseRateLimit(headers, now);
      if (partition === 'pk') key = info?.partitionKey ?? hostOf(url);
      else {
        const context: PartitionContext = { url, headers, info };
        key = partition(context) ?? hostOf(url);
      }
    }
  }
  const found: ServerPause = { kind, key, durationMs, reason };
  if (spacingMs !== undefined) found.spacingMs = spacingMs;
  if (status !== undefined) found.status = status;
  return found;
}
