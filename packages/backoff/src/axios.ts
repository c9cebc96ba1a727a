import type { Clock } from '@brace/core';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { CircuitBreaker } from './breaker-options.js';
import type { RetryBudget } from './budget.js';
import { isRetryableError, RETRYABLE_STATUS_CODES, serverDelayOf, statusOf } from './classify.js';
import { RetryAfterTooLongError, RetryBudgetExhaustedError } from './errors.js';
import { checkOptionNames } from './option-names.js';
import type { GiveUpEvent, RetryEvent } from './retry.js';
import { resolveRetryOptions } from './retry-options.js';
import { serverWait } from './server-wait.js';
import { type Strategy, safeDelay } from './strategies.js';
import { emit } from './validate.js';

/** Options of {@link axiosBackoff}. */
export interface AxiosBackoffOptions {
  /** Total attempts including the first (1–100). Default `DEFAULT_ATTEMPTS` (3). */
  attempts?: number;
  /** The delay before each retry. Default `exponential()` (full jitter). */
  strategy?: Strategy;
  /** Decides whether an error is worth another attempt (POST/PATCH without a key never are). Default: network errors, 408/429/5xx, timeouts with `retryOnTimeout`. */
  shouldRetry?: (error: AxiosError, attempt: number) => boolean | Promise<boolean>;
  /** Retry timeouts (axios `ECONNABORTED` / `ETIMEDOUT`). Default `false`, as axios-retry. */
  retryOnTimeout?: boolean;
  /** Longest server-requested wait honoured, in ms. Default `DEFAULT_MAX_RETRY_AFTER_MS` (60 s). */
  maxRetryAfter?: number;
  /** Positive jitter on a server-requested wait (0–1). Default `DEFAULT_RETRY_AFTER_JITTER`. */
  retryAfterJitter?: number;
  /** Retry 409 when the request carries an Idempotency-Key. Default `true`. */
  retryConflictWithKey?: boolean;
  /** The header that makes POST/PATCH retryable. Default `idempotency-key`. */
  idempotencyHeader?: string;
  /** A retry budget, per host: counts every request, spends one unit per retry. */
  budget?: RetryBudget;
  /** A circuit breaker, per host: requests fail fast with `CircuitOpenError` while open. */
  breaker?: CircuitBreaker;
  /** Called before each wait. */
  onRetry?: (event: RetryEvent & { config: InternalAxiosRequestConfig }) => void;
  /** Called when a failed request is not retried. */
  onGiveUp?: (event: GiveUpEvent & { config: InternalAxiosRequestConfig | undefined }) => void;
  /** Time source for the waits. Default `systemClock`. */
  clock?: Clock;
  /** Uniform random in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const OPTIONS = new Set([
  'attempts',
  'strategy',
  'shouldRetry',
  'retryOnTimeout',
  'maxRetryAfter',
  'retryAfterJitter',
  'retryConflictWithKey',
  'idempotencyHeader',
  'budget',
  'breaker',
  'onRetry',
  'onGiveUp',
  'clock',
  'random',
]);

/** Where the adapter keeps a request's retry state, on its config (copied by axios on re-issue). */
const STATE = 'brace-backoff';
interface State {
  attempt: number;
  previous: number;
}
type Carrier = InternalAxiosRequestConfig & { [STATE]?: State };

const UNSAFE_METHODS = new Set(['post', 'patch']);
const FAILURE_STATUSES = new Set(RETRYABLE_STATUS_CODES);

/** axios's error codes for a timeout (`timeout` option, or the OS). */
function isAxiosTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNABORTED' || code === 'ETIMEDOUT';
}

/** The host of a request config (`host[:port]`), the budget and breaker key. */
function hostOfConfig(config: InternalAxiosRequestConfig | undefined): string {
  if (config?.url === undefined) return '';
  try {
    return new URL(config.url, config.baseURL).host;
  } catch {
    return '';
  }
}

/**
 * The axios classification: `ERR_CANCELED` is an abort (never retried), `ECONNABORTED` and
 * `ETIMEDOUT` are timeouts (retried with `retryOnTimeout`), `ERR_NETWORK` and Node's
 * connection errors are network errors (retried), and a response's status is judged as by
 * `isRetryableError` (408, 429, 500, 502, 503, 504).
 */
function retryable(error: AxiosError, retryOnTimeout: boolean): boolean {
  if (error.code === 'ERR_CANCELED') return false;
  if (error.response === undefined) {
    if (isAxiosTimeout(error)) return retryOnTimeout;
    if (error.code === 'ERR_NETWORK') return true;
  }
  return isRetryableError(error, { retryOnTimeout });
}

/**
 * Retries an axios instance's failed requests with Brace's backoff — an interceptor pair, as
 * axios-retry installs: jittered strategy, Retry-After honoured (a floor, with positive
 * jitter, up to `maxRetryAfter`), a per-host retry budget and circuit breaker, and POST/PATCH
 * retried only with an `Idempotency-Key`. A retry re-issues the request through the instance
 * (so every interceptor runs again). Out of attempts, the last `AxiosError` is rethrown.
 * Returns a function that removes both interceptors.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createRetryBudget } from '@brace/backoff';
 * import { axiosBackoff } from '@brace/backoff/axios';
 *
 * const api = axios.create({ baseURL: 'https://api.example.com/v2/', timeout: 10_000 });
 * axiosBackoff(api, { attempts: 4, retryOnTimeout: true, budget: createRetryBudget() });
 * const { data } = await api.get('users/42');
 * ```
 */
export function axiosBackoff(
  instance: AxiosInstance,
  options: AxiosBackoffOptions = {},
): () => void {
  checkOptionNames(options, OPTIONS);
  const o = resolveRetryOptions(options);
  // Called as plain functions (no `this`), as before.
  const { strategy, shouldRetry: userShouldRetry } = o;
  const { budget, breaker, onRetry, onGiveUp } = options;

  const onRequest = (config: InternalAxiosRequestConfig) => {
    const carrier = config as Carrier;
    const host = hostOfConfig(config);
    breaker?.acquire(host);
    if (carrier[STATE] === undefined) {
      carrier[STATE] = { attempt: 1, previous: 0 };
      budget?.onRequest(host);
    }
    return config;
  };

  const onResponse = (response: AxiosResponse) => {
    const host = hostOfConfig(response.config);
    breaker?.recordSuccess(host);
    budget?.onSuccess(host);
    return response;
  };

  const onError = async (error: AxiosError) => {
    const config = error.config as Carrier | undefined;
    const state = config?.[STATE];
    const host = hostOfConfig(config);
    const status = statusOf(error);
    // The breaker and budget see every attempt's outcome.
    if (error.code !== 'ERR_CANCELED' && config !== undefined) {
      const failed = status === undefined || FAILURE_STATUSES.has(status) || status >= 500;
      if (failed) {
        breaker?.recordFailure(host);
        budget?.onFailure(host);
      } else breaker?.recordIgnored(host);
    }
    if (config === undefined || state === undefined) throw error;
    const attempt = state.attempt;
    const giveUp = (reason: GiveUpEvent['reason']) =>
      emit(onGiveUp, { attempt, error, errors: [error], reason, config });
    const headers = config.headers;
    const hasKey = headers !== undefined && headers.has?.(o.idempotencyHeader) === true;
    if (UNSAFE_METHODS.has((config.method ?? 'get').toLowerCase()) && !hasKey) {
      giveUp('not-retryable');
      throw error;
    }
    const ok =
      userShouldRetry !== undefined
        ? await userShouldRetry(error, attempt)
        : retryable(error, o.retryOnTimeout) || (o.retryConflict && hasKey && status === 409);
    if (!ok) {
      giveUp('not-retryable');
      throw error;
    }
    if (attempt >= o.attempts) {
      giveUp('exhausted');
      throw error;
    }
    let delay = safeDelay(strategy(attempt, { previous: state.previous, random: o.random }));
    state.previous = delay;
    const serverDelay = serverDelayOf(error, o.clock.now());
    if (serverDelay !== undefined) {
      if (serverDelay > o.maxRetryAfter) {
        giveUp('retry-after-too-long');
        throw new RetryAfterTooLongError(serverDelay, o.maxRetryAfter, [error]);
      }
      const wait = serverWait(serverDelay, o.random, o.retryAfterJitter);
      if (wait > delay) delay = wait;
    }
    if (budget !== undefined && !budget.tryRetry(host)) {
      giveUp('budget');
      throw new RetryBudgetExhaustedError(host, [error]);
    }
    emit(onRetry, { attempt, error, delayMs: delay, serverDelayMs: serverDelay, config });
    await o.clock.sleep(delay, config.signal as AbortSignal | undefined);
    state.attempt = attempt + 1;
    return instance.request(config);
  };

  const request = instance.interceptors.request.use(onRequest);
  const response = instance.interceptors.response.use(onResponse, onError);
  return () => {
    instance.interceptors.request.eject(request);
    instance.interceptors.response.eject(response);
  };
}
