/**
 * The same composition as a plain `fetch` (`createFetch`), for code without ky.
 *
 * @module
 */
import { authFetch } from '@brace/auth/fetch';
import { isRetryableError, RETRYABLE_STATUS_CODES, retry } from '@brace/backoff';
import { cachedFetch } from '@brace/cache/fetch';
import { type FetchLike, hostOfUrl } from '@brace/core';
import { createIdempotencyKey, formatIdempotencyKey } from '@brace/idempotency';
import { rateLimitFetch } from '@brace/rate-limit/ky';
import { telemetryFetch } from '@brace/telemetry/fetch';
import { observeFetch } from './endpoint.js';
import type { IntegrationEventName, Listener } from './events.js';
import type { IntegrationOptions } from './options.js';
import { buildParts, type Parts } from './parts.js';
import {
  healthOf,
  type IntegrationHealth,
  type IntegrationStats,
  statsOf,
  type ValidationResult,
  validateWith,
} from './status.js';
import { timedFetch } from './timed-fetch.js';

/**
 * What `createFetch` returns: a `fetch` with every part composed, plus health, validation,
 * figures and the event stream of `defineIntegration`.
 *
 * @example
 * ```ts
 * import { createFetch, type IntegrationFetch } from '@brace/client/fetch';
 *
 * const billing: IntegrationFetch = createFetch({ name: 'billing', baseUrl: 'https://billing.example.com/v1/' });
 * const response = await billing('invoices');
 * ```
 */
export interface IntegrationFetch extends FetchLike {
  /** The integration's name. */
  readonly integration: string;
  /** The integration's state from its parts, without a network call. */
  health(): IntegrationHealth;
  /** Checks the credentials and makes one cheap call (`validatePath`), without retries. */
  validate(options?: { signal?: AbortSignal }): Promise<ValidationResult>;
  /** Every part's figures. */
  stats(): IntegrationStats;
  /** Listens to one event (or `'*'`); returns the unsubscribe function. */
  on<K extends IntegrationEventName | '*'>(event: K, listener: Listener<K>): () => void;
  /** Creates the shared tables of `shared`, if any (idempotent). */
  setup(): Promise<void>;
}

const UNSAFE = new Set(['POST', 'PATCH']);
const RETRYABLE = new Set<number>(RETRYABLE_STATUS_CODES);

/** A retryable answer, thrown inside the retry loop only. */
class RetryableStatus extends Error {
  readonly status: number;
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
    this.status = response.status;
  }
}

function answerIn(error: unknown): Response | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    if (e instanceof RetryableStatus) return e.response;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The per-attempt chain, innermost first: the observer, the breaker's record, the attempt's
 * timeout, the limiter. The timeout starts once the limiter has granted the slot (the wait in
 * its queue is bounded by its `maxWaitMs` and the caller's signal, not by `timeoutMs`).
 */
function attemptChain(parts: Parts): FetchLike {
  const base: FetchLike = parts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let next = observeFetch(parts, undefined)(base);
  const { breaker } = parts;
  if (breaker) {
    const inner = next;
    next = async (input, init) => {
      const host = hostOfUrl((input as Request).url);
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (error) {
        if (!(error instanceof DOMException && error.name === 'AbortError')) {
          breaker.recordFailure(host);
        }
        throw error;
      }
      if (RETRYABLE.has(response.status) || response.status >= 500) breaker.recordFailure(host);
      else breaker.recordSuccess(host);
      return response;
    };
  }
  const { timeoutMs } = parts;
  if (timeoutMs !== false) {
    next = timedFetch(next, timeoutMs);
  }
  if (parts.limiter) next = rateLimitFetch(parts.limiter, { fetch: next });
  return next;
}

/**
 * The composition of `defineIntegration` as a plain `fetch`, for code without ky. Relative
 * URLs resolve against `baseUrl`; every call gets the pinned version header and, for POST and
 * PATCH, an idempotency key; responses come back as `fetch` returns them (an error status is
 * a `Response`, not an exception: after the last retry the last answer is returned).
 *
 * Outermost to innermost: auth (so the cache keys each credential's answers apart; a 401 is
 * refreshed and the call re-sent), cache (a fresh answer, or a stale one when everything below
 * fails or refuses: an open breaker is answered `stale: breaker-open`), telemetry (one call), the
 * retry loop (breaker fail-fast, budget, Retry-After), then per attempt the limiter, the
 * attempt's timeout (from the moment the slot is granted: the queue is bounded by the limiter's
 * `maxWaitMs` and the caller's signal), the breaker's record and the observer (deprecation). Route validation and problem
 * details are the ky form's: they act on `.json()` and thrown errors, which `fetch` has not.
 *
 * @param options - the options of `defineIntegration` (`routes`, `drift` and `errors` are not used)
 * @returns the composed fetch
 * @throws `ClientOptionError` when an option is out of range
 *
 * @example
 * ```ts
 * import { createFetch } from '@brace/client/fetch';
 * import { stripe } from '@brace/client/presets';
 *
 * const stripeFetch = createFetch({ preset: stripe, auth: { token: process.env.STRIPE_KEY ?? '' } });
 * const response = await stripeFetch('v1/customers', { method: 'POST', body: new URLSearchParams({ email: 'a@example.com' }) });
 * ```
 */
export function createFetch(options: IntegrationOptions<unknown>): IntegrationFetch {
  const parts = buildParts(options);
  const { emitter, name: integration, idempotency, breaker, budget } = parts;
  const chain = attemptChain(parts);
  const headers = Object.entries(parts.headers);
  const keyMethods = new Set(idempotency?.methods.map((m) => m.toUpperCase()));
  const limited = parts.preset?.isRateLimited;

  const prepare = (input: Request | string | URL, init?: RequestInit): Request => {
    const url =
      typeof input === 'string' && !URL.canParse(input)
        ? new URL(input.startsWith('/') ? input.slice(1) : input, parts.baseUrl)
        : input;
    const request = new Request(url, init);
    for (const [name, value] of headers) {
      if (!request.headers.has(name)) request.headers.set(name, value);
    }
    if (idempotency && keyMethods.has(request.method) && !request.headers.has(idempotency.header)) {
      request.headers.set(
        idempotency.header,
        formatIdempotencyKey(createIdempotencyKey(), idempotency.format),
      );
    }
    return request;
  };

  // A bodiless request can be sent again as it is; one with a body is cloned per attempt.
  const attempt = (request: Request): Promise<Response> =>
    chain(request.body === null ? request : request.clone());

  // Built once: only the events need the call's request.
  const shouldRetry = (error: unknown) =>
    error instanceof RetryableStatus ||
    isRetryableError(error, { retryOnTimeout: parts.retryOnTimeout });

  const send = async (request: Request, maxAttempts: number): Promise<Response> => {
    const host = hostOfUrl(request.url);
    const safe =
      !UNSAFE.has(request.method) || request.headers.has(idempotency?.header ?? 'idempotency-key');
    const attempts = safe ? maxAttempts : 1;
    let last: Response | undefined;
    try {
      return await retry(
        async ({ attempt: n }) => {
          breaker?.acquire(host);
          if (last) {
            void last.body?.cancel().catch(() => undefined);
            last = undefined;
          }
          const response = await attempt(request);
          if (
            n < attempts &&
            (RETRYABLE.has(response.status) || limited?.(response.status, response.headers))
          ) {
            last = response;
            throw new RetryableStatus(response);
          }
          return response;
        },
        {
          attempts,
          ...(budget && attempts > 1 ? { budget, budgetKey: host } : {}),
          retryOnTimeout: parts.retryOnTimeout,
          shouldRetry,
          ...(parts.maxRetryAfterMs !== undefined ? { maxRetryAfter: parts.maxRetryAfterMs } : {}),
          signal: request.signal,
          clock: parts.clock,
          ...(parts.random ? { random: parts.random } : {}),
          onRetry: (e) =>
            emitter.emit({
              type: 'retry',
              integration,
              attempt: e.attempt,
              delayMs: e.delayMs,
              status: (e.error as { status?: number }).status,
              url: request.url,
            }),
          onGiveUp: (e) =>
            emitter.emit({
              type: 'giveUp',
              integration,
              attempt: e.attempt,
              reason: e.reason,
              url: request.url,
            }),
        },
      );
    } catch (error) {
      const answer = answerIn(error);
      if (answer !== undefined) return answer;
      throw error;
    }
  };

  let outer: FetchLike = (input, _init) => send(input as Request, parts.attempts);
  if (parts.telemetry) outer = telemetryFetch(parts.telemetry, outer);
  if (parts.cache) outer = cachedFetch(parts.cache, { fetch: outer });
  if (parts.auth) outer = authFetch(parts.auth, outer);
  const composed: FetchLike = (input, init) => outer(prepare(input, init));
  // validate(): one attempt, through auth, not through the cache.
  const sendOnce: FetchLike = (input) => send(input as Request, 1);
  const once = parts.auth ? authFetch(parts.auth, sendOnce) : sendOnce;

  const members = {
    integration,
    health: () => healthOf(parts),
    validate: (o?: { signal?: AbortSignal }) =>
      validateWith(
        parts,
        (path, signal) =>
          once(
            prepare(path, {
              headers: { 'cache-control': 'no-cache' },
              ...(signal ? { signal } : {}),
            }),
          ),
        o?.signal,
      ),
    stats: () => statsOf(parts),
    on: <K extends IntegrationEventName | '*'>(event: K, listener: Listener<K>) =>
      emitter.on(event, listener),
    setup: () => parts.setup(),
  };
  return Object.assign(composed, members);
}
