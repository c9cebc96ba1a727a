import type { AnyHook } from './hooks.js';

/**
 * The shape of `fetch` as ky calls it (ky always passes a `Request`; plain callers may pass a
 * string or URL).
 *
 * @example
 * ```ts
 * import type { FetchLike } from '@brace/core';
 *
 * const logged: FetchLike = async (input, init) => {
 *   const response = await fetch(input, init);
 *   console.log(response.status);
 *   return response;
 * };
 * ```
 */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** What an `init` hook made by {@link wrapFetchHook} reads and writes: ky's `fetch` option. */
export interface FetchOptionCarrier {
  /** The `fetch` ky will call; `undefined` means the global `fetch`. */
  fetch?: FetchLike | undefined;
}

/**
 * The mark of a `fetch` built for one call only (an `init` hook that keeps per-call state in a
 * closure, such as `@brace/telemetry`'s): {@link wrapFetchHook} wraps such a `fetch` afresh
 * instead of remembering the wrapper (remembering one per call only grows a `WeakMap`), and
 * marks the wrapper the same way so the hooks outside it do likewise. Set it with
 * `fn[PER_CALL_FETCH] = true`.
 *
 * @example
 * ```ts
 * import { PER_CALL_FETCH, type FetchOptionCarrier } from '@brace/core';
 *
 * const perCall = (options: FetchOptionCarrier) => {
 *   const next = options.fetch ?? globalThis.fetch;
 *   let attempts = 0;
 *   const fetchFn = Object.assign(
 *     (input: Request | string | URL, init?: RequestInit) => {
 *       attempts++;
 *       return next(input, init);
 *     },
 *     { [PER_CALL_FETCH]: true },
 *   );
 *   options.fetch = fetchFn;
 * };
 * ```
 */
export const PER_CALL_FETCH: unique symbol = Symbol.for('@brace/core/per-call-fetch');

/**
 * Returns a ky `init` hook that wraps the request's `fetch` (the one the client was given, or
 * the global `fetch`, looked up at call time) with `wrap`. Use it for work that must see
 * every attempt's raw response or always run after it, without ky's per-hook costs: an
 * `afterResponse` hook makes ky clone the response (and tee its body) for that hook, while a
 * wrapper sees the response ky itself reads, at no copy. The wrapper is built once per inner
 * `fetch` and reused, so a request allocates nothing here.
 *
 * The wrapper sees each attempt, including retries; it does not see responses a
 * `beforeRequest` hook returns without fetching. It must not read the response body.
 * An inner `fetch` marked {@link PER_CALL_FETCH} is wrapped on each call and not remembered.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { wrapFetchHook } from '@brace/core';
 *
 * const countStatuses = wrapFetchHook((next) => async (input, init) => {
 *   const response = await next(input, init);
 *   metrics.count(`status.${response.status}`);
 *   return response;
 * });
 * const api = ky.create({ hooks: { init: [countStatuses] } });
 * ```
 */
export function wrapFetchHook(wrap: (next: FetchLike) => FetchLike): AnyHook {
  const wrapped = new WeakMap<FetchLike, FetchLike>();
  let wrappedGlobal: FetchLike | undefined;
  return (options: FetchOptionCarrier) => {
    const next = options.fetch;
    if (next === undefined) {
      wrappedGlobal ??= wrap((input, init) => globalThis.fetch(input, init));
      options.fetch = wrappedGlobal;
      return;
    }
    if ((next as { [PER_CALL_FETCH]?: boolean })[PER_CALL_FETCH] === true) {
      const perCall = wrap(next) as FetchLike & { [PER_CALL_FETCH]?: boolean };
      // A plain assignment: `Object.defineProperty` costs about 0.5 µs per request here.
      perCall[PER_CALL_FETCH] = true;
      options.fetch = perCall;
      return;
    }
    let fetchFn = wrapped.get(next);
    if (fetchFn === undefined) {
      fetchFn = wrap(next);
      wrapped.set(next, fetchFn);
    }
    options.fetch = fetchFn;
  };
}
