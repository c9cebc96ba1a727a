import { type HeadersInput, isBraceError, parseServerDelay } from '@brace/core';

/**
 * HTTP statuses retried by default: 408, 429, 500, 502, 503, 504.
 *
 * @example
 * ```ts
 * import { RETRYABLE_STATUS_CODES } from '@brace/backoff';
 *
 * console.log(RETRYABLE_STATUS_CODES);
 * ```
 */
export const RETRYABLE_STATUS_CODES: readonly number[] = Object.freeze([
  408, 429, 500, 502, 503, 504,
]);

const RETRYABLE = new Set(RETRYABLE_STATUS_CODES);

/** Node.js system error codes that mean the connection, not the request, failed. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Messages of the `TypeError` that `fetch` throws for network failures, per runtime. */
const NETWORK_MESSAGES = new Set([
  'fetch failed',
  'terminated',
  'Failed to fetch',
  'network error',
  'Network request failed',
  'NetworkError when attempting to fetch resource.',
  'The Internet connection appears to be offline.',
  'Load failed',
  'Network connection lost',
]);

type Obj = Record<string, unknown>;

function asObject(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null ? (value as Obj) : undefined;
}

/**
 * The HTTP status an error carries: `error.status`, `error.statusCode`, `error.responseStatus`
 * (a problem-details error) or `error.response.status` (ky's `HTTPError`, axios, ofetch, got...). `undefined` if none.
 *
 * @example
 * ```ts
 * import { statusOf } from '@brace/backoff';
 *
 * statusOf({ response: { status: 503 } }); // 503
 * ```
 */
export function statusOf(error: unknown): number | undefined {
  const object = asObject(error);
  if (!object) return undefined;
  const direct = object.status ?? object.statusCode;
  if (typeof direct === 'number') return direct;
  // A problem-details error whose document states no status keeps the response's here.
  if (typeof object.responseStatus === 'number') return object.responseStatus;
  const status = asObject(object.response)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The response headers an error carries: `error.response.headers` (ky, fetch wrappers,
 * axios) or `error.headers`. `undefined` if none.
 *
 * @example
 * ```ts
 * import { headersOf } from '@brace/backoff';
 *
 * headersOf({ headers: { 'retry-after': '3' } }); // { 'retry-after': '3' }
 * ```
 */
export function headersOf(error: unknown): HeadersInput | undefined {
  const object = asObject(error);
  if (!object) return undefined;
  const headers = asObject(asObject(object.response)?.headers) ?? asObject(object.headers);
  return headers as HeadersInput | undefined;
}

/**
 * How long the server asked the client to wait, read from the error's response headers
 * (`Retry-After`, or a rate-limit reset when nothing remains) with `@brace/core`'s
 * `parseServerDelay`. `undefined` when the server said nothing usable.
 *
 * @example
 * ```ts
 * import { serverDelayOf } from '@brace/backoff';
 *
 * serverDelayOf({ status: 429, headers: { 'retry-after': '2' } }); // 2000
 * ```
 */
export function serverDelayOf(error: unknown, now?: number): number | undefined {
  const headers = headersOf(error);
  if (headers === undefined) return undefined;
  try {
    return parseServerDelay(headers, now)?.delayMs;
  } catch {
    return undefined;
  }
}

/** True for an abort by the caller (`AbortError`), which is never retried. */
export function isAbortError(error: unknown): boolean {
  return asObject(error)?.name === 'AbortError';
}

/**
 * True for a timeout: ky's `TimeoutError`, `AbortSignal.timeout()`'s `TimeoutError`
 * `DOMException`, or a `TimeoutError` in the cause chain.
 *
 * @example
 * ```ts
 * import { isTimeoutError } from '@brace/backoff';
 *
 * isTimeoutError(new DOMException('timed out', 'TimeoutError')); // true
 * ```
 */
export function isTimeoutError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4; depth++) {
    const object = asObject(current);
    if (!object) return false;
    if (object.name === 'TimeoutError') return true;
    current = object.cause;
  }
  return false;
}

/**
 * True when a request failed before any response: ky's `NetworkError`, fetch's
 * `TypeError` ("fetch failed", "Failed to fetch"...), or a Node.js connection error code
 * (`ECONNRESET`, `ECONNREFUSED`, `EPIPE`...) anywhere in the cause chain.
 *
 * @example
 * ```ts
 * import { isNetworkError } from '@brace/backoff';
 *
 * isNetworkError(new TypeError('fetch failed')); // true
 * ```
 */
export function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4; depth++) {
    const object = asObject(current);
    if (!object) return false;
    if (object.name === 'NetworkError') return true;
    if (typeof object.code === 'string' && NETWORK_CODES.has(object.code)) return true;
    if (
      object.name === 'TypeError' &&
      typeof object.message === 'string' &&
      NETWORK_MESSAGES.has(object.message)
    ) {
      return true;
    }
    current = object.cause;
  }
  return false;
}

/** Options of {@link isRetryableError}. */
export interface ClassifyOptions {
  /** Whether timeouts are retryable. Default `false`. */
  retryOnTimeout?: boolean;
}

/**
 * The default retry classifier. Retryable: network errors; timeouts when
 * `retryOnTimeout`; HTTP 408, 429, 500, 502, 503, 504 (read from `error.status` or
 * `error.response.status`). Never retried: aborts, Brace's own errors (an open circuit, a
 * spent budget), any other status (400, 401, 403, 404, 422...) and unrecognised errors.
 *
 * @example
 * ```ts
 * import { isRetryableError, retry } from '@brace/backoff';
 *
 * await retry(callApi, {
 *   shouldRetry: (error) => isRetryableError(error) || (error as Error).message === 'busy',
 * });
 * ```
 */
export function isRetryableError(error: unknown, options?: ClassifyOptions): boolean {
  if (isBraceError(error) || isAbortError(error)) return false;
  const status = statusOf(error);
  if (status !== undefined) return RETRYABLE.has(status);
  if (isTimeoutError(error)) return options?.retryOnTimeout === true;
  return isNetworkError(error);
}

/** 4xx statuses that are worth another attempt: 408 Request Timeout, 425 Too Early, 429 Too Many Requests. */
const TRANSIENT_4XX = new Set([408, 425, 429]);

/**
 * Whether an HTTP status is permanent: a 4xx other than 408, 425 and 429 (another attempt
 * would get the same answer). 5xx and every other status are not.
 *
 * @example
 * ```ts
 * import { isPermanentStatus } from '@brace/backoff';
 *
 * isPermanentStatus(404); // true
 * isPermanentStatus(429); // false
 * isPermanentStatus(503); // false
 * ```
 */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && !TRANSIENT_4XX.has(status);
}

/**
 * The default classifier of standalone `retry()`, retrying what p-retry retries: **any**
 * thrown error, except
 * - an abort (`AbortError`), and
 * - a permanent error: one carrying a 4xx status other than 408/425/429 (read from `status`,
 *   `statusCode`, `responseStatus` or `response.status` — so a problem-details error or any
 *   `BraceError` with a status is judged by it, and one with 503 is retried), a `BraceError`
 *   without a status (an open circuit, a spent budget: Brace's own verdicts), and a
 *   `TypeError` that is not a network error (a bug in your code, as in p-retry);
 * - a timeout when `retryOnTimeout` is `false` (default `true` here).
 *
 * @example
 * ```ts
 * import { isTransientError } from '@brace/backoff';
 *
 * isTransientError(new Error('socket hang up')); // true
 * isTransientError(Object.assign(new Error('Not Found'), { status: 404 })); // false
 * isTransientError(Object.assign(new Error('Unavailable'), { status: 503 })); // true
 * ```
 */
export function isTransientError(error: unknown, options?: ClassifyOptions): boolean {
  if (isAbortError(error)) return false;
  const status = statusOf(error);
  if (status !== undefined) return !isPermanentStatus(status);
  if (isBraceError(error)) return false;
  if (isTimeoutError(error)) return options?.retryOnTimeout !== false;
  if (error instanceof TypeError) return isNetworkError(error);
  return true;
}
