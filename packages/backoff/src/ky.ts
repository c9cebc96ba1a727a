/**
 * ky integration: `backoffRetry` as ky's `retry` option and `backoffHooks` for the retry budget, the circuit breaker and attempt headers.
 *
 * @module
 */
import { type Clock, type FetchLike, hostOfUrl, isBraceError, wrapFetchHook } from '@brace/core';
import type { Hooks, RetryOptions as KyRetryOptions } from 'ky';
import type { CircuitBreaker } from './breaker-options.js';
import type { RetryBudget } from './budget.js';
import {
  isAbortError,
  isRetryableError,
  RETRYABLE_STATUS_CODES,
  serverDelayOf,
  statusOf,
} from './classify.js';
import { RetryAfterTooLongError, RetryBudgetExhaustedError } from './errors.js';
import { checkOptionNames, KY_RETRY_OPTIONS } from './option-names.js';
import type {
  DEFAULT_ATTEMPTS,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRY_AFTER_JITTER,
  GiveUpEvent,
  RetryEvent,
} from './retry.js';
import { DEFAULT_KEY_HEADER, resolveRetryOptions } from './retry-options.js';
import { serverWait } from './server-wait.js';
import { type Strategy, safeDelay } from './strategies.js';
import { emit, functionOption } from './validate.js';

/**
 * Methods `backoffRetry` lets ky retry; POST and PATCH only with an `Idempotency-Key`.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY_METHODS } from '@brace/backoff/ky';
 *
 * console.log(DEFAULT_RETRY_METHODS);
 * ```
 */
export const DEFAULT_RETRY_METHODS: readonly string[] = Object.freeze([
  'get',
  'put',
  'head',
  'delete',
  'options',
  'trace',
  'query',
  'post',
  'patch',
]);
/**
 * The request header that makes a POST or PATCH safe to retry: `Idempotency-Key`.
 *
 * @example
 * ```ts
 * import { DEFAULT_IDEMPOTENCY_HEADER } from '@brace/backoff/ky';
 *
 * console.log(DEFAULT_IDEMPOTENCY_HEADER);
 * ```
 */
export const DEFAULT_IDEMPOTENCY_HEADER = DEFAULT_KEY_HEADER;

const UNSAFE_METHODS = new Set(['POST', 'PATCH']);

/** A ky retry event: {@link RetryEvent} plus the request. */
export interface KyRetryEvent extends RetryEvent {
  /** The request that failed. */
  request: Request;
}

/** A ky give-up event: {@link GiveUpEvent} plus the request, when known. */
export interface KyGiveUpEvent extends GiveUpEvent {
  /** The request that failed, when the error carries it. */
  request: Request | undefined;
}

/** Options of {@link backoffRetry}. */
export interface BackoffRetryOptions {
  /** Total attempts including the first (1–100). Default {@link DEFAULT_ATTEMPTS}. */
  attempts?: number;
  /** The delay before each retry. Default `exponential()` (full jitter). */
  strategy?: Strategy;
  /** Decides whether an error is worth another attempt (POST/PATCH without a key are never retried). Default `isRetryableError`. */
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Whether timeouts are retried. Default `false`. */
  retryOnTimeout?: boolean;
  /** Longest server-requested wait honoured, in ms. Default {@link DEFAULT_MAX_RETRY_AFTER_MS}. */
  maxRetryAfter?: number;
  /** Up to this share of a server-requested wait is added at random (0–1). Default {@link DEFAULT_RETRY_AFTER_JITTER}. */
  retryAfterJitter?: number;
  /** Retry 409 Conflict when the request carries an Idempotency-Key (the first request is still running). Default `true`. */
  retryConflictWithKey?: boolean;
  /** The header whose presence makes POST/PATCH retryable. Default {@link DEFAULT_IDEMPOTENCY_HEADER}. */
  idempotencyHeader?: string;
  /** A retry budget, consulted per host. Pass the same budget to {@link backoffHooks} so that every request is counted. */
  budget?: RetryBudget;
  /** Called before each wait. A throwing callback is ignored. */
  onRetry?: (event: KyRetryEvent) => void;
  /** Called when a failed request will not be retried. A throwing callback is ignored. */
  onGiveUp?: (event: KyGiveUpEvent) => void;
  /** Time source for the waits. Default `systemClock`. */
  clock?: Clock;
  /** Uniform random in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/**
 * The host a request goes to (`host[:port]`): the key for budgets and breakers in the ky
 * adapter. An unparsable URL gives `''`.
 *
 * @example
 * ```ts
 * import { hostOf } from '@brace/backoff/ky';
 *
 * hostOf(new Request('https://api.example.com/v2/users')); // 'api.example.com'
 * ```
 */
export function hostOf(request: Request): string {
  // No URL parsing per request: `Request#url` is already serialized.
  return hostOfUrl(request.url);
}

/** The host of what ky (a `Request`) or a plain caller (a string or URL) passed to fetch. */
function hostOfInput(input: Request | string | URL): string {
  if (typeof input === 'string') return URL.canParse(input) ? new URL(input).host : '';
  return input instanceof URL ? input.host : hostOf(input);
}

type RequestCarrier = { request?: Request; options?: object };

/**
 * Returns ky's `retry` option implementing Brace's backoff: jittered strategy, Retry-After
 * and rate-limit resets honoured (capped by `maxRetryAfter`, plus positive jitter), a
 * per-host retry budget, and POST/PATCH retried **only** when the request carries an
 * `Idempotency-Key`. The decision and the wait happen in ky's `shouldRetry` (which ky
 * awaits and races against its `totalTimeout`), on the injected `clock`; ky's own `delay`
 * is set to 0 and its jitter off. Out of attempts, ky throws the last error (e.g.
 * `HTTPError`); a spent budget or an over-long Retry-After throws
 * `RetryBudgetExhaustedError` / `RetryAfterTooLongError` with that error as `cause`.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { createRetryBudget } from '@brace/backoff';
 * import { backoffHooks, backoffRetry } from '@brace/backoff/ky';
 *
 * const budget = createRetryBudget();
 * const api = ky.create({
 *   prefix: 'https://api.example.com/v2/',
 *   retry: backoffRetry({ attempts: 4, budget }),
 *   hooks: composeHooks(backoffHooks({ budget })),
 * });
 * ```
 */
export function backoffRetry(options: BackoffRetryOptions = {}): KyRetryOptions {
  checkOptionNames(options, KY_RETRY_OPTIONS);
  const o = resolveRetryOptions(options);
  // Called as plain functions (no `this`), as before.
  const { strategy, shouldRetry: userShouldRetry } = o;
  const { budget, onRetry, onGiveUp } = options;
  // Decorrelated jitter needs the previous delay: kept per call (ky's options snapshot).
  const previousByCall = new WeakMap<object, number>();

  const shouldRetry = async ({ error, retryCount }: { error: Error; retryCount: number }) => {
    const attempt = retryCount; // the attempt that just failed
    const request = (error as RequestCarrier).request;
    const giveUp = (reason: GiveUpEvent['reason']) =>
      emit(onGiveUp, { attempt, error, errors: [error], reason, request });
    if (request === undefined) {
      giveUp('not-retryable');
      return false;
    }
    const hasKey = request.headers.has(o.idempotencyHeader);
    if (UNSAFE_METHODS.has(request.method.toUpperCase()) && !hasKey) {
      giveUp('not-retryable');
      return false;
    }
    const retryable =
      userShouldRetry !== undefined
        ? await userShouldRetry(error, attempt)
        : isRetryableError(error, { retryOnTimeout: o.retryOnTimeout }) ||
          (o.retryConflict && hasKey && statusOf(error) === 409);
    if (!retryable) {
      giveUp('not-retryable');
      return false;
    }
    if (attempt >= o.attempts) {
      giveUp('exhausted');
      return false;
    }
    const call = (error as RequestCarrier).options;
    let delay = safeDelay(
      strategy(attempt, { previous: (call && previousByCall.get(call)) || 0, random: o.random }),
    );
    if (call) previousByCall.set(call, delay);
    const serverDelay = serverDelayOf(error, o.clock.now());
    if (serverDelay !== undefined) {
      if (serverDelay > o.maxRetryAfter) {
        giveUp('retry-after-too-long');
        throw new RetryAfterTooLongError(serverDelay, o.maxRetryAfter, [error]);
      }
      const jittered = serverWait(serverDelay, o.random, o.retryAfterJitter);
      if (jittered > delay) delay = jittered;
    }
    const host = hostOf(request);
    if (budget !== undefined && !budget.tryRetry(host)) {
      giveUp('budget');
      throw new RetryBudgetExhaustedError(host, [error]);
    }
    emit(onRetry, { attempt, error, delayMs: delay, serverDelayMs: serverDelay, request });
    // After a ky timeout the request's own signal is already aborted (by ky, not by you).
    const signal = request.signal.aborted ? undefined : request.signal;
    await o.clock.sleep(delay, signal);
    return true;
  };

  // Only what ky reads: `shouldRetry` always answers true or false (or throws), so ky never
  // consults its own statusCodes, afterStatusCodes, retryOnTimeout or jitter, and leaving them
  // out spares ky normalizing them on every request (twice per attempt, measured ~3% of a GET
  // on a stub fetch).
  return {
    // One more than the retries: the last "retry" lets shouldRetry report exhaustion.
    limit: o.attempts,
    methods: [...DEFAULT_RETRY_METHODS] as KyRetryOptions['methods'],
    delay: () => 0,
    // ky >= 2.2 adds its own Retry-After wait (413/429/503 with a Retry-After or RateLimit-Reset
    // header) even after shouldRetry answered true; shouldRetry has already waited for it, so
    // none of ky's: the wait is the server's delay plus our jitter, once. ky 2.1 ignores it.
    afterStatusCodes: [],
    shouldRetry,
  };
}

/** Options of {@link backoffHooks}. */
export interface BackoffHooksOptions {
  /** The retry budget to feed with every request and outcome, per host (same one as in {@link backoffRetry}). */
  budget?: RetryBudget;
  /** A circuit breaker, used per host: requests and retries fail fast with `CircuitOpenError` while it is open. */
  breaker?: CircuitBreaker;
  /** A request header carrying the attempt number (1, 2, ...), e.g. `'x-attempt'`. Default: none. */
  attemptHeader?: string;
  /** Which response statuses count as failures for the budget and breaker. Default: the retryable statuses (408, 429, 5xx). */
  isFailureStatus?: (status: number) => boolean;
}

const FAILURE_STATUSES = new Set(RETRYABLE_STATUS_CODES);
const defaultIsFailureStatus = (status: number) => FAILURE_STATUSES.has(status) || status >= 500;

/**
 * What `backoffHooks`' `fetch` wrapper does with each attempt's status, on its own: a failure
 * status (see `isFailureStatus`) counts against the host for the breaker and the budget; any
 * other status counts as a success for the budget, and for the breaker too unless it is a 4xx
 * (a 404 or 422 says nothing about the host's health: ignored). For a client that already wraps
 * `fetch` and reads every status: it records there and leaves `backoffHooks`' `init` hook out,
 * one wrapper (and one promise) fewer per attempt.
 *
 * @param options - the budget and breaker to feed, and which statuses are failures
 * @returns `(host, status) => void`
 * @example
 * ```ts
 * import { createCircuitBreaker, createRetryBudget } from '@brace/backoff';
 * import { backoffStatusRecorder } from '@brace/backoff/ky';
 *
 * const record = backoffStatusRecorder({ budget: createRetryBudget(), breaker: createCircuitBreaker() });
 * record('api.example.com', 503); // a failure for the budget and the breaker
 * record('api.example.com', 200); // a success for both
 * ```
 */
export function backoffStatusRecorder(
  options: Pick<BackoffHooksOptions, 'budget' | 'breaker' | 'isFailureStatus'>,
): (host: string, status: number) => void {
  const { budget, breaker } = options;
  const isFailureStatus =
    functionOption('isFailureStatus', options.isFailureStatus) ?? defaultIsFailureStatus;
  return (host, status) => {
    if (isFailureStatus(status)) {
      breaker?.recordFailure(host);
      budget?.onFailure(host);
    } else {
      // A 4xx that is not a failure (404, 422...) says nothing about the host's health: it
      // neither counts nor closes a half-open circuit.
      if (status >= 400) breaker?.recordIgnored(host);
      else breaker?.recordSuccess(host);
      budget?.onSuccess(host);
    }
  };
}

/**
 * ky hooks for what ky's `retry` option cannot express: counting every request and
 * response for the retry budget, failing fast with `CircuitOpenError` in `beforeRequest`
 * (once per call) and `beforeRetry` (each retry) while a host's circuit is open, feeding the
 * breaker each outcome, and an optional attempt-number header. Outcomes are read by an `init`
 * hook that wraps the request's `fetch` (see `wrapFetchHook` in `@brace/core`), not by an
 * `afterResponse` hook, because ky clones the response for each `afterResponse` hook. So
 * every attempt's status is counted, retries included; a response returned by another
 * `beforeRequest` hook (no request was sent) is not.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { createCircuitBreaker, createRetryBudget } from '@brace/backoff';
 * import { backoffHooks, backoffRetry } from '@brace/backoff/ky';
 *
 * const budget = createRetryBudget();
 * const breaker = createCircuitBreaker();
 * const api = ky.create({
 *   retry: backoffRetry({ budget }),
 *   hooks: composeHooks(backoffHooks({ budget, breaker, attemptHeader: 'x-attempt' })),
 * });
 * ```
 */
export function backoffHooks(options: BackoffHooksOptions = {}): Hooks {
  const { budget, breaker, attemptHeader } = options;
  const recordStatus = backoffStatusRecorder(options);

  /** A failure with no response (network, timeout) is recorded here; HTTP ones by the fetch wrapper. */
  const recordErrorWithoutResponse = (host: string, error: unknown) => {
    const e = isBraceError(error) ? (error as { cause?: unknown }).cause : error;
    if (e === undefined || isBraceError(e) || isAbortError(e) || statusOf(e) !== undefined) return;
    breaker?.recordFailure(host);
    budget?.onFailure(host);
  };

  return {
    beforeRequest: [
      ({ request }) => {
        const host = hostOf(request);
        breaker?.acquire(host);
        budget?.onRequest(host);
        if (attemptHeader) request.headers.set(attemptHeader, '1');
      },
    ],
    beforeRetry: [
      ({ request, error, retryCount }) => {
        const host = hostOf(request);
        recordErrorWithoutResponse(host, error);
        breaker?.acquire(host);
        if (attemptHeader) request.headers.set(attemptHeader, String(retryCount + 1));
      },
    ],
    // A fetch wrapper, not an afterResponse hook: ky clones the response (and tees its body)
    // for every afterResponse hook; the wrapper reads the status of the response ky reads.
    init: [
      wrapFetchHook(
        (next: FetchLike): FetchLike =>
          async (input, init) => {
            const response = await next(input, init);
            recordStatus(hostOfInput(input), response.status);
            return response;
          },
      ),
    ],
    beforeError: [
      ({ request, error }) => {
        recordErrorWithoutResponse(hostOf(request), error);
        return error;
      },
    ],
  };
}
