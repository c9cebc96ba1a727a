/**
 * Any hook function: ky's hook types are all functions of one state object.
 *
 * @example
 * ```ts
 * import type { AnyHook } from '@brace/core';
 *
 * const hook: AnyHook = ({ request }: { request: Request }) => request.headers.set('x-a', '1');
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: hook lists are contravariant in their state type; an `any` result keeps HooksLike assignable to ky's Hooks
export type AnyHook = (...args: any[]) => any;

/**
 * The shape of ky's `hooks` option, typed structurally so that `@brace/core` needs no ky
 * at runtime or for its types. The lists are `readonly`, as in ky 2.2's `Hooks`: ky 2.1's
 * (mutable) and ky 2.2's (readonly) `Hooks` are both assignable to it, and it is assignable
 * to ky 2.2's `Hooks`. {@link composeHooks} returns the type of its parts, so composing ky
 * `Hooks` gives ky `Hooks` on either version.
 *
 * @example
 * ```ts
 * import type { HooksLike } from '@brace/core';
 *
 * const hooks: HooksLike = { beforeRequest: [({ request }) => request.headers.set('x-a', '1')] };
 * ```
 */
export interface HooksLike {
  /** ky `init` hooks. */
  init?: readonly AnyHook[];
  /** ky `beforeRequest` hooks. */
  beforeRequest?: readonly AnyHook[];
  /** ky `beforeRetry` hooks. */
  beforeRetry?: readonly AnyHook[];
  /** ky `beforeError` hooks. */
  beforeError?: readonly AnyHook[];
  /** ky `afterResponse` hooks. */
  afterResponse?: readonly AnyHook[];
}

const OBSERVER = Symbol.for('@brace/core/response-observer');
const HOOK_NAMES = [
  'init',
  'beforeRequest',
  'beforeRetry',
  'beforeError',
  'afterResponse',
] as const;

/**
 * Marks an `afterResponse` hook as one that only reads the response's status and headers
 * and returns nothing. ky clones the response once for **each** `afterResponse` hook;
 * {@link composeHooks} merges adjacent observers into one hook, so they share one clone.
 * Returns the same function, marked.
 *
 * @example
 * ```ts
 * import { observeResponse } from '@brace/core';
 *
 * const logStatus = observeResponse(({ response }: { response: Response }) => {
 *   metrics.count(`status.${response.status}`);
 * });
 * ```
 */
export function observeResponse<F extends AnyHook>(hook: F): F {
  Object.defineProperty(hook, OBSERVER, { value: true });
  return hook;
}

/**
 * Tells whether a hook was marked with {@link observeResponse}.
 *
 * @example
 * ```ts
 * import { isResponseObserver, observeResponse } from '@brace/core';
 *
 * isResponseObserver(observeResponse(() => {})); // true
 * ```
 */
export function isResponseObserver(hook: unknown): boolean {
  return (
    typeof hook === 'function' && (hook as unknown as Record<symbol, unknown>)[OBSERVER] === true
  );
}

function mergeObservers(run: readonly AnyHook[]): AnyHook {
  if (run.length === 1) return run[0] as AnyHook;
  return observeResponse(async (state: unknown) => {
    for (const hook of run) await hook(state);
  });
}

function mergeAfterResponse(hooks: readonly AnyHook[]): AnyHook[] {
  const merged: AnyHook[] = [];
  let run: AnyHook[] = [];
  for (const hook of hooks) {
    if (isResponseObserver(hook)) {
      run.push(hook);
      continue;
    }
    if (run.length > 0) merged.push(mergeObservers(run));
    run = [];
    merged.push(hook);
  }
  if (run.length > 0) merged.push(mergeObservers(run));
  return merged;
}

/**
 * Combines several packages' hooks into one ky `hooks` object: each hook list is the
 * concatenation of the parts' lists in argument order; `undefined` parts are skipped, so
 * optional features read naturally (`debug ? loggingHooks() : undefined`).
 *
 * Adjacent `afterResponse` hooks marked with {@link observeResponse} (they only read status
 * and headers) are merged into one, because ky clones the response once per hook.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { rateLimitHooks } from '@brace/rate-limit/ky';
 * import { idempotencyHooks } from '@brace/idempotency/ky';
 * import { problemDetailsHooks } from '@brace/problem-details/ky';
 *
 * const api = ky.create({
 *   baseUrl: 'https://api.example.com/v2/',
 *   hooks: composeHooks(rateLimitHooks(limiter), idempotencyHooks(), problemDetailsHooks()),
 * });
 * ```
 */
export function composeHooks<H extends HooksLike>(
  ...parts: Array<H | undefined | null | false>
): H {
  const result: HooksLike = {};
  for (const name of HOOK_NAMES) {
    const list: AnyHook[] = [];
    for (const part of parts) {
      const hooks = part ? part[name] : undefined;
      if (hooks) list.push(...hooks);
    }
    if (list.length > 0) result[name] = name === 'afterResponse' ? mergeAfterResponse(list) : list;
  }
  return result as H;
}
