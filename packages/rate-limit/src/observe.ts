import { getHeader, type HeadersInput, parseRateLimit, parseRetryAfter } from '@brace/core';
import type { PauseReason } from './store.js';
import { DEFAULT_KEY, type PartitionContext, type RateLimiterOptions } from './types.js';

/** @internal What a response asks of us. */
export interface ServerPause {
  key: string;
  durationMs: number;
  reason: PauseReason;
}

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
  if (durationMs === undefined) {
    info = parseRateLimit(headers, now);
    parsed = true;
    if (info?.remaining === 0 && info.resetMs !== undefined && info.resetMs > 0) {
      durationMs = info.resetMs;
      reason = 'server-remaining';
    }
  }
  if (durationMs === undefined || durationMs <= 0) return undefined;
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
  return { key, durationMs, reason };
}
