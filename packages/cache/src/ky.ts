/**
 * ky hooks (`cacheHooks`) that answer from the cache and store what the origin sends.
 *
 * @module
 */
import { type FetchLike, type HooksLike, wrapFetchHook } from '@brace/core';
import type { Cache } from './cache.js';

/**
 * ky hooks that put the cache in front of a ky instance:
 * - a `beforeRequest` hook answers fresh entries, and stale ones while `originBlocked` names a
 *   reason (an open breaker), before any later `beforeRequest` hook (a breaker's) can throw;
 * - an `init` hook wraps the call's `fetch`: misses and revalidations go to the origin through
 *   it, and a 5xx, a connection error or a timeout is answered from a stale entry when allowed.
 *
 * Alone, `composeHooks(cacheHooks(cache))` is enough. Next to a breaker and a limiter, split
 * them: `{ beforeRequest }` first (it answers before a breaker's `beforeRequest` throws) and
 * `{ init }` last (its wrapper is then outermost, outside the breaker's status recorder and the
 * limiter's wrapper, so the breaker still sees real failures and refusals are answered stale).
 * The wrapper answers per attempt: a failure with a stale entry is answered at once, without
 * ky's retries.
 *
 * @param cache - from `createCache`
 * @returns ky hooks (`beforeRequest`, `init`)
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { createCache } from '@brace/cache';
 * import { cacheHooks } from '@brace/cache/ky';
 *
 * const cache = createCache({ staleIfErrorMs: 3_600_000 });
 * const api = ky.create({ prefix: 'https://api.example.com/v1/', hooks: composeHooks(cacheHooks(cache)) });
 * const rates = await api.get('rates').json();
 * ```
 */
export function cacheHooks(cache: Cache): HooksLike {
  return {
    beforeRequest: [({ request }: { request: Request }) => cache.match(request)],
    init: [
      wrapFetchHook(
        (next: FetchLike): FetchLike =>
          (input, init) => {
            const request = input instanceof Request ? input : new Request(input, init);
            return cache.handle(
              request,
              (conditional, how) => {
                const background = how?.background === true;
                if (conditional === undefined && !background) return next(input, init);
                // A background refresh outlives the caller: its signal must not cancel it.
                const copy = new Request(request, background ? { signal: null } : undefined);
                for (const name in conditional) copy.headers.set(name, conditional[name] as string);
                return next(copy);
              },
              { signal: request.signal },
            );
          },
      ),
    ],
  };
}
