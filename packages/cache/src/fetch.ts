/**
 * A `fetch` wrapper (`cachedFetch`) with the cache in front of the origin.
 *
 * @module
 */
import type { FetchLike } from '@brace/core';
import type { Cache } from './cache.js';
import type { CacheRequest } from './key.js';

/**
 * Options of {@link cachedFetch}.
 *
 * @example
 * ```ts
 * import type { CachedFetchOptions } from '@brace/cache/fetch';
 *
 * const options: CachedFetchOptions = { fetch: globalThis.fetch };
 * ```
 */
export interface CachedFetchOptions {
  /** The `fetch` to call for the origin (a breaker- or limiter-wrapped one fits). Default: the global `fetch`, looked up per call. */
  fetch?: FetchLike;
}

function requestOf(input: Request | string | URL, init: RequestInit | undefined): CacheRequest {
  if (input instanceof Request && init === undefined) return input;
  const base = input instanceof Request ? input : undefined;
  return {
    method: init?.method ?? base?.method ?? 'GET',
    url: base ? base.url : String(input),
    headers: new Headers(init?.headers ?? base?.headers),
    cache: init?.cache ?? base?.cache,
  };
}

/**
 * Wraps `fetch` with the cache: same signature, answers from the cache when it may. Errors the
 * inner `fetch` throws (connection refused, timeouts, a breaker's `CIRCUIT_OPEN`, a limiter's
 * `RATE_LIMIT_*`) are answered from a stale entry when its window allows, marked by the
 * reason header (`brace-cache: stale-if-error: network`).
 *
 * @param cache - from `createCache`
 * @param options - the inner `fetch`
 * @returns a `fetch` with the cache in front
 * @example
 * ```ts
 * import { createCache } from '@brace/cache';
 * import { cachedFetch } from '@brace/cache/fetch';
 *
 * const get = cachedFetch(createCache({ staleIfErrorMs: 600_000 }));
 * const response = await get('https://api.example.com/v1/rates');
 * console.log(response.headers.get('brace-cache')); // null on a miss, 'fresh' on a hit
 * ```
 */
export function cachedFetch(cache: Cache, options: CachedFetchOptions = {}): FetchLike {
  return (input, init) => {
    const inner = options.fetch ?? globalThis.fetch;
    const request = requestOf(input, init);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    return cache.handle(
      request,
      (conditional, how) => {
        const background = how?.background === true;
        if (conditional === undefined && !background) return inner(input, init);
        const headers = new Headers(request.headers);
        for (const name in conditional) headers.set(name, conditional[name] as string);
        // A background refresh outlives the caller: its signal must not cancel it.
        const next = background ? { ...init, headers, signal: null } : { ...init, headers };
        return input instanceof Request ? inner(new Request(input, next)) : inner(input, next);
      },
      { signal: signal ?? undefined },
    );
  };
}
