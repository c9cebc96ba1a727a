import { getHeader, type HeadersInput } from './headers.js';
import type { RateLimitInfo, RateLimitSource } from './rate-limit.js';

// The forms that are not structured fields: the RateLimit-* trio, X-RateLimit-*,
// X-Rate-Limit-* and Shopify's call-limit header (internal to parseRateLimit).

/**
 * A `*-Reset` value (trio, `X-RateLimit-*`, `X-Rate-Limit-*`) at or above this is Unix epoch
 * seconds, not delta seconds: `1e9` s is 2001-09-09, while a delay of `1e9` s is 31 years.
 *
 * @example
 * ```ts
 * import { EPOCH_SECONDS_THRESHOLD, parseRateLimit } from '@brace/core';
 *
 * EPOCH_SECONDS_THRESHOLD; // 1e9
 * parseRateLimit({ 'x-ratelimit-reset': '60' })?.resetMs; // 60000 (delta seconds)
 * parseRateLimit({ 'x-ratelimit-reset': '1700000060' }, 1_700_000_000_000)?.resetMs; // 60000 (epoch)
 * ```
 */
export const EPOCH_SECONDS_THRESHOLD = 1e9;
/**
 * A `*-Reset` value at or above this is Unix epoch milliseconds (`1e12` ms is 2001-09-09).
 *
 * @example
 * ```ts
 * import { EPOCH_MILLISECONDS_THRESHOLD, parseRateLimit } from '@brace/core';
 *
 * EPOCH_MILLISECONDS_THRESHOLD; // 1e12
 * parseRateLimit({ 'x-ratelimit-reset': '1700000060000' }, 1_700_000_000_000)?.resetMs; // 60000
 * ```
 */
export const EPOCH_MILLISECONDS_THRESHOLD = 1e12;
/** Longest single rate-limit field value read; longer values are ignored as malformed. */
const MAX_FIELD_LENGTH = 4096;

export function field(headers: HeadersInput, name: string): string | undefined {
  const value = getHeader(headers, name);
  return value !== undefined && value.length <= MAX_FIELD_LENGTH ? value : undefined;
}

/**
 * A non-negative decimal number (digits, optionally `.digits`: providers send `0.0` and
 * `2499.0` for counts), trimmed; else undefined.
 */
function nonNegative(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  if (start === end || end - start > 32) return undefined;
  let dot = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c !== 46 || dot >= 0 || i === start || i === end - 1) return undefined;
    dot = i;
  }
  return Number(text.slice(start, end));
}

/** The first member of a list-ish value (`100, 100;w=60` → `100`). */
function firstMember(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let end = text.length;
  const comma = text.indexOf(',');
  if (comma >= 0) end = comma;
  const semicolon = text.indexOf(';');
  if (semicolon >= 0 && semicolon < end) end = semicolon;
  return text.slice(0, end);
}

/**
 * A reset value in ms from now. Values below {@link EPOCH_SECONDS_THRESHOLD} are delta
 * seconds; values below {@link EPOCH_MILLISECONDS_THRESHOLD} are Unix epoch seconds; larger
 * ones are epoch milliseconds. An epoch in the past gives 0.
 */
function resetToMs(value: number | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (value < EPOCH_SECONDS_THRESHOLD) return Math.round(value * 1000);
  if (!Number.isFinite(now)) return undefined;
  const at = value < EPOCH_MILLISECONDS_THRESHOLD ? value * 1000 : value;
  return Math.max(0, Math.round(at - now));
}

/** `<prefix>-Limit/-Remaining/-Reset` (the trio, X-RateLimit-*, X-Rate-Limit-*). */
export function prefixed(
  headers: HeadersInput,
  prefix: string,
  source: RateLimitSource,
  now: number,
): RateLimitInfo | undefined {
  const resetText = getHeader(headers, `${prefix}-reset`);
  const reset = nonNegative(field(headers, `${prefix}-reset`));
  // A reset that is sent but malformed (negative, not a number) discards the whole form:
  // its counts cannot be timed, and a sender that gets the reset wrong is not trusted.
  if (resetText !== undefined && reset === undefined) return undefined;
  const limit = nonNegative(firstMember(field(headers, `${prefix}-limit`)));
  const remaining = nonNegative(firstMember(field(headers, `${prefix}-remaining`)));
  const resetMs = resetToMs(reset, now);
  const used =
    source === 'x-ratelimit' ? nonNegative(field(headers, 'x-ratelimit-used')) : undefined;
  if (
    limit === undefined &&
    remaining === undefined &&
    resetMs === undefined &&
    used === undefined
  ) {
    return undefined;
  }
  const info: RateLimitInfo = { source };
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (resetMs !== undefined) info.resetMs = resetMs;
  if (used !== undefined) info.used = used;
  if (source === 'x-ratelimit') {
    const resource = field(headers, 'x-ratelimit-resource')?.trim();
    if (resource) info.resource = resource.slice(0, 64);
  }
  return info;
}

/** Shopify: `X-Shopify-Shop-Api-Call-Limit: 32/40` (used/limit of a leaky bucket). */
export function shopify(headers: HeadersInput): RateLimitInfo | undefined {
  const value = field(headers, 'x-shopify-shop-api-call-limit');
  if (value === undefined) return undefined;
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const used = nonNegative(value.slice(0, slash));
  const limit = nonNegative(value.slice(slash + 1));
  if (used === undefined || limit === undefined) return undefined;
  return { limit, remaining: Math.max(0, limit - used), used, source: 'shopify' };
}
