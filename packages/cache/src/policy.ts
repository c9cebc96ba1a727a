import type { Clock } from '@brace/core';
import CachePolicy from 'http-cache-semantics';

/** A `CachePolicy` that reads time from the injected clock (the library calls `this.now()`). */
export type Policy = CachePolicy;

/** The constructor and `fromObject` of a clocked policy class. */
export interface PolicyClass {
  create(
    request: CachePolicy.HttpRequest,
    response: CachePolicy.HttpResponse,
    shared: boolean,
  ): Policy;
  hydrate(object: Record<string, unknown>): Policy;
}

/**
 * `http-cache-semantics` reads time from `Date.now()` in its `now()` method; a subclass per
 * cache answers from the injected clock instead, so tests and the cache agree on time.
 */
export function policyClass(clock: Pick<Clock, 'now'>): PolicyClass {
  class ClockedPolicy extends CachePolicy {
    now(): number {
      return clock.now();
    }
  }
  return {
    create: (request, response, shared) =>
      new ClockedPolicy(request, response, { shared, cacheHeuristic: 0.1 }),
    hydrate: (object) =>
      ClockedPolicy.fromObject(object as unknown as CachePolicy.CachePolicyObject),
  };
}

/** The longest Cache-Control (or Vary) header the cache reads; a longer one is not cached. */
export const MAX_DIRECTIVE_HEADER_LENGTH = 8192;

/** What the cache reads from Cache-Control beyond `http-cache-semantics`. */
export interface Directives {
  /** Forbids serving stale: `no-store`, `no-cache`, `must-revalidate` (and the shared-cache ones). */
  noStale: boolean;
  /** `stale-if-error`, seconds, when present and valid (the smallest of duplicates). */
  staleIfError?: number;
  /** `stale-while-revalidate`, seconds, when present and valid (the smallest of duplicates). */
  staleWhileRevalidate?: number;
  /** True when `max-age`/`s-maxage` is duplicated or not a non-negative integer: treat as stale. */
  invalidFreshness: boolean;
  /** `private` was present. */
  private: boolean;
  /** `no-store` was present. */
  noStore: boolean;
}

function isDigits(value: string): boolean {
  if (value.length === 0 || value.length > 12) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses Cache-Control (already length-bounded) without regular expressions. */
export function readDirectives(header: string | null, shared: boolean): Directives {
  const out: Directives = {
    noStale: false,
    invalidFreshness: false,
    private: false,
    noStore: false,
  };
  if (header === null) return out;
  const seen = new Set<string>();
  for (const raw of header.split(',')) {
    const eq = raw.indexOf('=');
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? '' : raw.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    switch (name) {
      case 'private':
        out.private = true;
        break;
      case 'no-store':
        out.noStore = true;
        out.noStale = true;
        break;
      case 'no-cache':
      case 'must-revalidate':
        out.noStale = true;
        break;
      case 'proxy-revalidate':
      case 's-maxage':
        if (shared) out.noStale = true;
        break;
    }
    if (name === 'max-age' || name === 's-maxage') {
      if (seen.has(name) || !isDigits(value)) out.invalidFreshness = true;
    } else if (name === 'stale-if-error' || name === 'stale-while-revalidate') {
      const key = name === 'stale-if-error' ? 'staleIfError' : 'staleWhileRevalidate';
      const seconds = isDigits(value) ? Number(value) : 0;
      out[key] = seen.has(name) ? Math.min(out[key] ?? 0, seconds) : seconds;
    }
    seen.add(name);
  }
  return out;
}

/** Request headers as `http-cache-semantics` wants them: lower-case names. */
export function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  return out;
}

/**
 * Response headers for the policy, sanitised: no `Set-Cookie` (never replayed), an `Age` that
 * is not a non-negative integer dropped, and invalid freshness (duplicated or malformed
 * `max-age`) turned into `max-age=0` as RFC 9111 §4.2.1 advises.
 */
export function responseRecord(headers: Headers, directives: Directives): Record<string, string> {
  const out = headerRecord(headers);
  // fetch decoded the body: the stored bytes are identity-encoded.
  delete out['content-encoding'];
  delete out['content-length'];
  const age = out.age;
  if (age !== undefined && !isDigits(age.trim())) delete out.age;
  if (directives.invalidFreshness) {
    let sMaxAge = false;
    const kept = (out['cache-control'] ?? '').split(',').filter((part) => {
      const name = part.split('=')[0]?.trim().toLowerCase();
      if (name === 's-maxage') sMaxAge = true;
      return name !== 'max-age' && name !== 's-maxage' && name !== '';
    });
    kept.push('max-age=0');
    // s-maxage carries proxy-revalidate's meaning (RFC 9111 §5.2.2.10): keep that part.
    if (sMaxAge) kept.push('proxy-revalidate');
    out['cache-control'] = kept.join(', ');
    delete out.expires;
  }
  return out;
}

/** The request's values of the headers named in `Vary` (`null` if none, `'*'` for `Vary: *`). */
export function varyValues(
  vary: string | null,
  request: Headers,
): Record<string, string> | null | '*' {
  if (vary === null || vary.trim() === '') return null;
  const out: Record<string, string> = Object.create(null);
  for (const part of vary.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return '*';
    if (name !== '') out[name] = request.get(name) ?? '';
  }
  return out;
}

/** True when `request` has the same values for every varied header as the stored request. */
export function varyMatches(stored: Record<string, string> | null, request: Headers): boolean {
  if (stored === null) return true;
  for (const name in stored) {
    if ((request.get(name) ?? '') !== stored[name]) return false;
  }
  return true;
}
