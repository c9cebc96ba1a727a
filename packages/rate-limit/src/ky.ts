/**
 * ky integration: `rateLimitHooks` queue every request through a limiter and feed it each response's rate-limit headers.
 *
 * @module
 */
import { type HooksLike, hostOfUrl, wrapFetchHook } from '@brace/core';
import type { RateLimiter } from './types.js';

/** The fetch signature ky calls (and the global `fetch` has). */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Options of {@link rateLimitFetch} and {@link rateLimitHooks}. */
export interface RateLimitKyOptions {
  /**
   * The limiter key (tenant / partition) of a request. Default: the URL's host, which is also
   * the partition `observe` pauses by default, so a 429 from a host pauses that host's queue.
   */
  key?: (url: URL, input: Request | string | URL) => string;
}

/** Options of {@link rateLimitFetch}. */
export interface RateLimitFetchOptions extends RateLimitKyOptions {
  /** The fetch to wrap. Default: the global `fetch` (looked up at call time). */
  fetch?: FetchLike;
}

/** The default key: the host, read from an already serialized URL where there is one. */
function defaultKey(input: Request | string | URL): string {
  if (typeof input === 'string') return new URL(input).host;
  return input instanceof URL ? input.host : hostOfUrl(input.url);
}

/**
 * Wraps `fetch` so that every call — with ky, every attempt including retries — first takes a
 * slot from the limiter (honouring the request's signal, so ky's per-attempt timeout and the
 * caller's abort both cancel the wait), then observes the response, and always releases the
 * slot when the response headers arrive or the call fails (network error, timeout, abort).
 * Works with plain `fetch` code too.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { createRateLimiter } from '@brace/rate-limit';
 * import { rateLimitFetch } from '@brace/rate-limit/ky';
 *
 * const limiter = createRateLimiter({ policies: [{ limit: 10, intervalMs: 1000 }], concurrency: 4 });
 * const limitedFetch = rateLimitFetch(limiter);
 * await limitedFetch('https://api.example.com/items'); // plain fetch use
 * const api = ky.create({ fetch: limitedFetch });       // or as ky's fetch
 * ```
 */
export function rateLimitFetch(
  limiter: RateLimiter,
  options: RateLimitFetchOptions = {},
): FetchLike {
  return limitedFetch(limiter, options.key, options.fetch);
}

/** {@link rateLimitFetch} without an options object (the ky hook builds one per inner fetch). */
function limitedFetch(
  limiter: RateLimiter,
  userKey: RateLimitKyOptions['key'],
  inner: FetchLike | undefined,
): FetchLike {
  return async (input, init) => {
    const isRequest = input instanceof Request;
    const key =
      userKey === undefined
        ? defaultKey(input)
        : userKey(new URL(isRequest ? input.url : input), input);
    const signal = init?.signal ?? (isRequest ? input.signal : undefined);
    const release = await limiter.acquire(signal ? { key, signal } : { key });
    try {
      const response = await (inner ?? globalThis.fetch)(input, init);
      limiter.observe(response, { key });
      return response;
    } finally {
      release();
    }
  };
}

/**
 * ky hooks that rate-limit every attempt. They install {@link rateLimitFetch} around the call's
 * `fetch` from an `init` hook, instead of acquiring in `beforeRequest`/`beforeRetry` and
 * releasing in `afterResponse`/`beforeError`, because those hooks cannot release on every path:
 * ky 2 runs `beforeRequest` once per call (not per retry), a `totalTimeout` abandons a hook that
 * is still waiting without cancelling it (its slot would leak once granted), a later
 * `beforeRequest` hook may return a `Response` or throw, and a retried attempt's failure reaches
 * no hook at all. Every attempt goes through `fetch`, and a `try/finally` around it always runs.
 * Note: ky's per-attempt `timeout` includes the time spent waiting for the limiter.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { createRateLimiter } from '@brace/rate-limit';
 * import { rateLimitHooks } from '@brace/rate-limit/ky';
 *
 * const limiter = createRateLimiter({ policies: [{ limit: 50, intervalMs: 1000 }], concurrency: 8 });
 * const api = ky.create({ prefix: 'https://api.example.com/v2/', hooks: composeHooks(rateLimitHooks(limiter)) });
 * await api.get('items').json();
 * ```
 */
export function rateLimitHooks(limiter: RateLimiter, options: RateLimitKyOptions = {}): HooksLike {
  // One wrapper per inner fetch, built once and reused by every request.
  const userKey = options.key;
  return { init: [wrapFetchHook((next) => limitedFetch(limiter, userKey, next))] };
}
