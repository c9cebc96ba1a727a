import type { AnyHook } from '@brace/core';

type BeforeRequest = (state: { request: Request }) => unknown;

/**
 * @internal The `beforeRequest` hooks as one, run in order as ky runs them: a returned `Request`
 * is what the next hook sees (and what ky sends), a returned `Response` ends the list. ky wraps
 * each hook of the list in its own timeout race (a promise and an abort listener per hook per
 * request); one hook pays that once. A hook that answers synchronously is not awaited.
 */
export function oneBeforeRequest(hooks: AnyHook[]): AnyHook[] {
  if (hooks.length < 2) return hooks;
  const all = hooks as BeforeRequest[];
  const from = (state: { request: Request }, start: number, request: Request | undefined) => {
    let current = request;
    for (let i = start; i < all.length; i++) {
      const result = (all[i] as BeforeRequest)(current ? { ...state, request: current } : state);
      if (result instanceof Promise) {
        return result.then((value: unknown): unknown => {
          if (value instanceof Response) return value;
          return from(state, i + 1, value instanceof Request ? value : current);
        });
      }
      if (result instanceof Response) return result;
      if (result instanceof Request) current = result;
    }
    return current;
  };
  return [(state: { request: Request }) => from(state, 0, undefined)];
}

/**
 * @internal The `init` hooks as one, run in order on the same options (as ky runs them). ky
 * copies and merges every hook list of the options on each request, item by item: one item
 * per kind costs it least.
 */
export function oneInit(hooks: AnyHook[]): AnyHook[] {
  if (hooks.length < 2) return hooks;
  const all = hooks as Array<(options: unknown) => void>;
  return [
    (options: unknown) => {
      for (const hook of all) hook(options);
    },
  ];
}

type ErrorState = { error: Error };
type BeforeError = (state: ErrorState) => unknown;
const isError = (value: unknown): value is Error =>
  value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';

/**
 * @internal The `beforeError` hooks as one, run in order as ky runs them: each sees the error the
 * one before returned (when it returned an error); a synchronous hook is not awaited.
 */
export function oneBeforeError(hooks: AnyHook[]): AnyHook[] {
  if (hooks.length < 2) return hooks;
  const all = hooks as BeforeError[];
  const from = (state: ErrorState, start: number, error: Error): unknown => {
    let current = error;
    for (let i = start; i < all.length; i++) {
      const result = (all[i] as BeforeError)(
        current === state.error ? state : { ...state, error: current },
      );
      if (result instanceof Promise) {
        return result.then((value: unknown) =>
          from(state, i + 1, isError(value) ? value : current),
        );
      }
      if (isError(result)) current = result;
    }
    return current;
  };
  return [(state: ErrorState) => from(state, 0, state.error)];
}
