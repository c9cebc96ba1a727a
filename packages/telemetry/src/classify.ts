import { getHeader, type HeadersInput } from '@brace/core';
import type { Outcome } from './types.js';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** The method as OpenTelemetry wants it: upper-case when known, else `_OTHER`. */
export function normalizeMethod(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * A low-cardinality error class: the status as a string for 4xx/5xx, else the error's `code`
 * (a `BraceError`, a Node system error) or its `name`, else `_OTHER`. Never the message.
 */
export function errorTypeOf(outcome: Outcome): string | undefined {
  if (outcome.status !== undefined && outcome.status >= 400) return String(outcome.status);
  const { error } = outcome;
  if (error === undefined) return undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && SAFE_NAME.test(code)) return code;
    if (typeof name === 'string' && SAFE_NAME.test(name)) return name;
  }
  return '_OTHER';
}

/**
 * The default `isError`: without a response, any error; with one, 408, 429 and 5xx (other 4xx
 * are the caller's mistakes, not the integration's health).
 */
export function defaultIsError(outcome: Outcome): boolean {
  const { status } = outcome;
  if (status === undefined) return outcome.error !== undefined;
  return status === 408 || status === 429 || status >= 500;
}

/** The default `isCached`: an RFC 9211 `Cache-Status` member with the `hit` parameter. */
export function defaultIsCached(headers: HeadersInput): boolean {
  return isCacheHit(getHeader(headers, 'cache-status'));
}

/** Whether a `Cache-Status` value has a member with the `hit` parameter. */
export function isCacheHit(value: string | undefined): boolean {
  if (value === undefined || value.length > 1024) return false;
  for (const member of value.split(',')) {
    for (const param of member.split(';').slice(1)) {
      if (param.trim().toLowerCase() === 'hit') return true;
    }
  }
  return false;
}

/** Whether the response replays a stored result (`Idempotent-Replayed: true`). */
export function isReplayed(headers: HeadersInput): boolean {
  return isReplayValue(getHeader(headers, 'idempotent-replayed'));
}

/** Whether an `Idempotent-Replayed` value says `true`. */
export function isReplayValue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** What one pass over a `Headers` finds besides whether a rate-limit header may be present. */
export interface HeaderScan {
  replayed: boolean;
  cached: boolean;
}

/**
 * Reads `headers` once (instead of a lookup per header, each validating its name): sets
 * `into.replayed` (`Idempotent-Replayed`) and `into.cached` (`Cache-Status`), and returns
 * whether a rate-limit header may be present.
 */
export function scanHeaders(headers: Headers, into: HeaderScan): boolean {
  let rateLimit = false;
  let replayed: string | undefined;
  let cacheStatus: string | undefined;
  for (const [name, value] of headers) {
    if (name === 'idempotent-replayed') replayed = value;
    else if (name === 'cache-status') cacheStatus = value;
    else if (
      !rateLimit &&
      (name.includes('ratelimit') || name.includes('rate-limit') || name.includes('call-limit'))
    ) {
      rateLimit = true;
    }
  }
  into.replayed = isReplayValue(replayed);
  into.cached = isCacheHit(cacheStatus);
  return rateLimit;
}
