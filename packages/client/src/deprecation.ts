import { parseItem, parseRetryAfter, StructuredDate, Token } from '@brace/core';

/** Longest `Deprecation`, `Sunset` or `Link` value read; longer ones are ignored. */
export const MAX_DEPRECATION_HEADER_LENGTH = 4096;
/**
 * Distinct endpoints remembered for "one warning per endpoint". Past it, deprecation events
 * still fire but no new warning is printed (memory stays bounded).
 *
 * @example
 * ```ts
 * import { MAX_WARNED_ENDPOINTS } from '@brace/client';
 *
 * console.log(MAX_WARNED_ENDPOINTS); // 1000
 * ```
 */
export const MAX_WARNED_ENDPOINTS = 1000;

/**
 * What the `Deprecation`, `Sunset` and `Link` headers of one response say.
 *
 * @example
 * ```ts
 * import { readDeprecation } from '@brace/client';
 *
 * const notice = readDeprecation(new Headers({ deprecation: '@1688169599' }));
 * notice?.deprecatedAt?.toISOString(); // '2023-06-30T23:59:59.000Z'
 * ```
 */
export interface DeprecationNotice {
  /** From `Deprecation` (RFC 9745): a structured-field Date such as `@1688169599`. */
  deprecatedAt: Date | undefined;
  /** From `Sunset` (RFC 8594): an HTTP-date. */
  sunsetAt: Date | undefined;
  /** The first `Link` with `rel="deprecation"` (else `rel="sunset"`). */
  link: string | undefined;
}

/** `Deprecation: @<seconds>` (RFC 9745). The draft's `true` counts as "deprecated, date unknown". */
function deprecationOf(value: string | null): Date | null | undefined {
  if (value === null || value.length > MAX_DEPRECATION_HEADER_LENGTH) return undefined;
  try {
    const item = parseItem(value).value;
    if (item instanceof Date) return Number.isNaN(item.getTime()) ? null : item;
    if (item instanceof StructuredDate) return item.toDate() ?? null;
    if ((item instanceof Token && item.value === 'true') || item === true) return null;
  } catch {
    // A malformed field is ignored, as RFC 9651 asks.
  }
  return undefined;
}

/** `Sunset: <HTTP-date>` (RFC 8594), read with core's HTTP-date rules. */
function sunsetOf(value: string | null, now: number): Date | undefined {
  if (value === null || value.length > MAX_DEPRECATION_HEADER_LENGTH) return undefined;
  const ahead = parseRetryAfter(value, now);
  // parseRetryAfter also takes delay-seconds, which Sunset does not allow.
  if (ahead === undefined || /^\s*\d/.test(value)) return undefined;
  if (ahead > 0) return new Date(now + ahead);
  // In the past: read again against the epoch to get the date itself.
  const at = parseRetryAfter(value, 0);
  return at === undefined ? undefined : new Date(at);
}

/** The target of the first `Link` whose `rel` includes `deprecation` (else `sunset`). */
function linkOf(value: string | null): string | undefined {
  if (value === null || value.length > MAX_DEPRECATION_HEADER_LENGTH) return undefined;
  let sunset: string | undefined;
  let at = value.indexOf('<');
  while (at >= 0) {
    const close = value.indexOf('>', at);
    if (close < 0) return sunset;
    const target = value.slice(at + 1, close);
    const next = value.indexOf('<', close);
    const params = value.slice(close + 1, next < 0 ? value.length : next).toLowerCase();
    const rel = /rel\s*=\s*"?([^";,]*)/.exec(params)?.[1]?.split(' ') ?? [];
    if (rel.includes('deprecation')) return target;
    if (rel.includes('sunset')) sunset ??= target;
    at = next;
  }
  return sunset;
}

/**
 * Reads a response's deprecation headers: `Deprecation` (RFC 9745, a structured-field Date
 * parsed with `@brace/core`'s RFC 9651 parser), `Sunset` (RFC 8594, an HTTP-date) and the
 * `Link` they point to. Returns `undefined` when the response says neither. Malformed or
 * overlong values are ignored.
 *
 * @param headers - the response headers
 * @param now - the current time in epoch ms (for `Sunset` dates)
 *
 * @example
 * ```ts
 * import { readDeprecation } from '@brace/client';
 *
 * const notice = readDeprecation(
 *   new Headers({ deprecation: '@1688169599', sunset: 'Wed, 31 Dec 2025 23:59:59 GMT' }),
 * );
 * notice?.sunsetAt?.toISOString(); // '2025-12-31T23:59:59.000Z'
 * ```
 */
export function readDeprecation(
  headers: Headers,
  now: number = Date.now(),
): DeprecationNotice | undefined {
  const deprecation = deprecationOf(headers.get('deprecation'));
  const sunsetAt = sunsetOf(headers.get('sunset'), now);
  if (deprecation === undefined && sunsetAt === undefined) return undefined;
  return {
    deprecatedAt: deprecation ?? undefined,
    sunsetAt,
    link: linkOf(headers.get('link')),
  };
}

/** @internal Remembers which endpoints were already warned about (bounded). */
export function createWarnedSet(max = MAX_WARNED_ENDPOINTS): (endpoint: string) => boolean {
  const seen = new Set<string>();
  return (endpoint) => {
    if (seen.has(endpoint) || seen.size >= max) return false;
    seen.add(endpoint);
    return true;
  };
}

/** @internal The one-line warning for a deprecated endpoint. */
export function deprecationMessage(
  integration: string,
  endpoint: string,
  notice: DeprecationNotice,
): string {
  const parts = [`[${integration}] ${endpoint} is deprecated`];
  if (notice.deprecatedAt) parts.push(`since ${notice.deprecatedAt.toISOString()}`);
  if (notice.sunsetAt) parts.push(`and may stop answering after ${notice.sunsetAt.toISOString()}`);
  let message = parts.join(' ');
  if (notice.link) message += ` (see ${notice.link})`;
  return `${message}. Move to its replacement or pin another version.`;
}
