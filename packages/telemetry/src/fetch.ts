/**
 * A `fetch` wrapper (`telemetryFetch`) and `withCall` for recording calls made with plain fetch and a retry wrapper.
 *
 * @module
 */
import type { FetchLike, HeadersInput } from '@brace/core';
import { firstAttempt } from './call.js';
import type { Telemetry } from './telemetry.js';
import type { Call, Outcome } from './types.js';

function describe(input: Request | string | URL, init?: RequestInit) {
  const isRequest = typeof Request === 'function' && input instanceof Request;
  const method = init?.method ?? (isRequest ? input.method : 'GET');
  const url = isRequest ? input.url : String(input);
  const headers = (init?.headers ?? (isRequest ? input.headers : undefined)) as
    | HeadersInput
    | undefined;
  return { method, url, headers };
}

/** Adds the request id header when the telemetry sends it and the request has none. */
function withRequestId(
  telemetry: Telemetry,
  call: Call,
  input: Request | string | URL,
  init: RequestInit | undefined,
): [Request | string | URL, RequestInit | undefined] {
  if (!telemetry.sendRequestId) return [input, init];
  const name = telemetry.requestIdHeader;
  const isRequest = typeof Request === 'function' && input instanceof Request;
  const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
  if (headers.has(name)) return [input, init];
  headers.set(name, call.requestId);
  return [input, { ...init, headers }];
}

async function attemptWith(
  telemetry: Telemetry,
  call: Call,
  next: FetchLike,
  given: Request | string | URL,
  givenInit: RequestInit | undefined,
  first: boolean,
): Promise<Response> {
  const [input, init] = withRequestId(telemetry, call, given, givenInit);
  // Right after `telemetry.start`: the attempt starts with the call, no second clock read.
  const attempt = first ? firstAttempt(call) : call.attempt();
  try {
    const response = await next(input, init);
    attempt.end({ status: response.status, headers: response.headers });
    return response;
  } catch (error) {
    attempt.end({ error });
    throw error;
  }
}

/**
 * Wraps `fetch` so that each invocation is one call with one attempt (and, with
 * `requestId: { send: true }`, carries the request id header). A retry wrapper around
 * it (p-retry, `@brace/backoff`'s `retry()`) therefore records each try as its own call; to
 * see the tries as attempts of one call, use {@link withCall}.
 *
 * @example
 * ```ts
 * import { createTelemetry } from '@brace/telemetry';
 * import { telemetryFetch } from '@brace/telemetry/fetch';
 *
 * const telemetry = createTelemetry({ integration: 'stripe', template: ['/v1/customers/{id}'] });
 * const fetchWithTelemetry = telemetryFetch(telemetry);
 * const response = await fetchWithTelemetry('https://api.stripe.com/v1/customers/cus_123');
 * ```
 */
export function telemetryFetch(telemetry: Telemetry, fetchFn?: FetchLike): FetchLike {
  const next: FetchLike = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const call = telemetry.start(describe(input, init));
    try {
      const response = await attemptWith(telemetry, call, next, input, init, true);
      call.end();
      return response;
    } catch (error) {
      call.end();
      throw error;
    }
  };
}

/**
 * Runs `operation` as one call: every invocation of the `fetch` it receives is one attempt of
 * that call, so a retry wrapper inside gives one operation span with one attempt span per try.
 * The call ends when `operation` settles: with the last attempt's outcome, or with the thrown
 * error (its `response` status, when it carries one).
 *
 * @example
 * ```ts
 * import { retry } from '@brace/backoff';
 * import { createTelemetry } from '@brace/telemetry';
 * import { withCall } from '@brace/telemetry/fetch';
 *
 * const telemetry = createTelemetry({ integration: 'stripe', template: ['/v1/customers/{id}'] });
 * const url = 'https://api.stripe.com/v1/customers/cus_123';
 * const response = await withCall(telemetry, { method: 'GET', url }, (fetch) =>
 *   retry(async () => {
 *     const answer = await fetch(url);
 *     if (answer.status >= 500) throw new Error(`status ${answer.status}`);
 *     return answer;
 *   }),
 * );
 * ```
 */
export async function withCall<T>(
  telemetry: Telemetry,
  request: { method: string; url: string | URL; headers?: HeadersInput },
  operation: (fetch: FetchLike) => Promise<T>,
  fetchFn?: FetchLike,
): Promise<T> {
  const next: FetchLike = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  const call = telemetry.start(request);
  try {
    const result = await operation((input, init) =>
      attemptWith(telemetry, call, next, input, init, false),
    );
    call.end();
    return result;
  } catch (error) {
    const response = (error as { response?: unknown } | null)?.response;
    const outcome: Outcome =
      response instanceof Response
        ? { status: response.status, headers: response.headers, error }
        : { error };
    call.end(outcome);
    throw error;
  }
}
