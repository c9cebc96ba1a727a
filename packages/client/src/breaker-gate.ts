import type { CircuitBreaker } from '@brace/backoff';
import { type AnyHook, hostOfUrl, wrapFetchHook } from '@brace/core';

/**
 * @internal The breaker's fail-fast as a fetch wrapper, per attempt: installed inside the cache
 * (and so inside auth), it refuses an attempt with `CircuitOpenError` only once the cache has
 * looked for an entry under the credential's partition: a fresh entry is served without asking,
 * and the cache answers a refused attempt from an entry in its stale-if-error window
 * (`stale: breaker-open`). The origin is never reached while the circuit refuses.
 */
export function breakerGate(breaker: CircuitBreaker): AnyHook {
  return wrapFetchHook((next) => (input, init) => {
    try {
      breaker.acquire(hostOfUrl((input as Request).url));
    } catch (error) {
      return Promise.reject(error);
    }
    return next(input, init);
  });
}

/**
 * @internal The breaker as backoff's ky hooks see it once {@link breakerGate} does the
 * fail-fast: every outcome is still recorded, but their `beforeRequest`/`beforeRetry` no longer
 * acquire (that would refuse the call before the cache could answer it, and take a half-open
 * probe twice).
 */
export function recordingOnly(breaker: CircuitBreaker): CircuitBreaker {
  // backoffHooks calls these four only.
  const recording: Partial<CircuitBreaker> = {
    acquire: () => undefined,
    recordSuccess: (key) => breaker.recordSuccess(key),
    recordFailure: (key) => breaker.recordFailure(key),
    recordIgnored: (key) => breaker.recordIgnored(key),
  };
  return recording as CircuitBreaker;
}
