/**
 * ky hooks (`telemetryHooks`) that record every call and attempt.
 *
 * @module
 */
import { type FetchLike, PER_CALL_FETCH } from '@brace/core';
import type { Hooks } from 'ky';
import { firstAttempt } from './call.js';
import type { Telemetry } from './telemetry.js';
import type { Call } from './types.js';

const CALL = Symbol('@brace/telemetry/call');

interface CallHolder {
  [CALL]?: Call;
}

interface InitOptions {
  fetch?: FetchLike;
  context?: Record<string | symbol, unknown>;
  throwHttpErrors?: boolean | ((status: number) => boolean);
}

/** The global `fetch`, looked up when called (so a later replacement of it is used). */
const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

/** Marks `fetch` as built for one call (see `PER_CALL_FETCH`). */
function perCall(fetch: FetchLike): FetchLike {
  (fetch as { [PER_CALL_FETCH]?: boolean })[PER_CALL_FETCH] = true;
  return fetch;
}

function throwsFor(option: InitOptions['throwHttpErrors'], status: number): boolean {
  if (typeof option === 'function') return option(status);
  return option ?? true;
}

/**
 * ky hooks that record every call: an `init` hook wraps the call's `fetch`, so each attempt
 * ky sends (the first and every retry) is one attempt of one call, and a `beforeError` hook
 * ends the call with the error ky finally throws. No `afterResponse` hook (ky would clone the
 * response for it). A call ends at the first response ky will not retry (a success, or a
 * status `throwHttpErrors` lets through), or in `beforeError`. Responses a `beforeRequest`
 * hook returns without fetching (a cache hit) are not seen.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { createTelemetry } from '@brace/telemetry';
 * import { telemetryHooks } from '@brace/telemetry/ky';
 *
 * const telemetry = createTelemetry({ integration: 'github', template: ['/repos/{owner}/{repo}'] });
 * const api = ky.create({
 *   baseUrl: 'https://api.github.com/',
 *   hooks: composeHooks(telemetryHooks(telemetry)),
 * });
 * await api.get('repos/brace-dev/brace').json();
 * ```
 */
export function telemetryHooks(telemetry: Telemetry): Hooks {
  const header = telemetry.requestIdHeader;
  const send = telemetry.sendRequestId;
  const init = (options: InitOptions) => {
    const next: FetchLike = options.fetch ?? globalFetch;
    const holder: CallHolder = (options.context ?? {}) as CallHolder;
    options.context = holder as Record<string | symbol, unknown>;
    const throwHttpErrors = options.throwHttpErrors;
    // Built for this call: `wrapFetchHook` hooks outside it wrap it afresh, remembering nothing.
    // (An anonymous function marked by assignment: naming it or `Object.defineProperty` cost
    // more per request than the rest of this adapter.)
    options.fetch = perCall(async (input, requestInit) => {
      const request = input as Request;
      const previous = holder[CALL];
      const call =
        previous === undefined || previous.ended
          ? telemetry.start({ method: request.method, url: request.url, headers: request.headers })
          : previous;
      holder[CALL] = call;
      if (send && !request.headers.has(header)) request.headers.set(header, call.requestId);
      // A call started just now: its first attempt starts with it, no second clock read.
      const attempt = call === previous ? call.attempt() : firstAttempt(call);
      let response: Response;
      try {
        response = await next(input, requestInit);
      } catch (error) {
        attempt.end({ error });
        throw error;
      }
      const status = response.status;
      const outcome = { status, headers: response.headers };
      attempt.end(outcome);
      // `response.ok`, without reading it again.
      if ((status >= 200 && status < 300) || !throwsFor(throwHttpErrors, status)) {
        call.end(outcome);
      }
      return response;
    });
  };
  const beforeError = (state: { error: Error; options: { context?: unknown } }) => {
    const call = (state.options.context as CallHolder | undefined)?.[CALL];
    if (call && !call.ended) {
      const response = (state.error as { response?: Response }).response;
      call.end(
        response instanceof Response
          ? { status: response.status, headers: response.headers, error: state.error }
          : { error: state.error },
      );
    }
    return state.error;
  };
  return { init: [init], beforeError: [beforeError] } as Hooks;
}
