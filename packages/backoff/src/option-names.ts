import { findUnknownOption } from '@brace/core';
import { BackoffOptionError } from './errors.js';

/** What users of p-retry, axios-retry and cockatiel pass, and what to use here. */
const RETRY_HINTS: Readonly<Record<string, string>> = Object.freeze({
  retries: '`attempts` (total attempts including the first: p-retry/axios-retry `retries` + 1)',
  maxAttempts: '`attempts` (total attempts including the first: cockatiel `maxAttempts` + 1)',
  maxRetries: '`attempts` (total attempts including the first: `maxRetries` + 1)',
  limit: '`attempts` (total attempts including the first: ky `limit` + 1)',
  factor: '`strategy: exponential({ factor })`',
  minTimeout: '`strategy: exponential({ base })`',
  maxTimeout: '`strategy: exponential({ cap })`',
  randomize: '`strategy: exponential({ jitter })` (full jitter by default)',
  backoff: '`strategy` (`exponential()`, `linear()`, `constant()` or any `(attempt) => ms`)',
  retryDelay: '`strategy` (`exponential()`, `linear()`, `constant()` or any `(attempt) => ms`)',
  delay: '`strategy` (`exponential()`, `linear()`, `constant()` or any `(attempt) => ms`)',
  onFailedAttempt: '`onRetry` (before each wait) or `onGiveUp`',
  retryCondition: '`shouldRetry`',
  shouldRetryError: '`shouldRetry`',
  onMaxRetryTimesExceeded: '`onGiveUp`',
  maxRetryTime: '`totalTimeout` (the deadline over all attempts and waits)',
  timeout: '`attemptTimeoutMs` (one attempt) or `totalTimeout` (all attempts and waits)',
  shouldResetTimeout: '`attemptTimeoutMs` (each attempt has its own timeout)',
  unref: 'nothing (waits use the injected `clock`)',
});

/** @internal Throws `BackoffOptionError` naming the first unknown option and what to use. */
export function checkOptionNames(
  options: unknown,
  known: ReadonlySet<string>,
  hints: Readonly<Record<string, string>> = RETRY_HINTS,
): void {
  const unknown = findUnknownOption(options, known, hints);
  if (unknown !== undefined) throw BackoffOptionError.unknown(unknown.option, unknown.suggestion);
}

/** @internal The names `retry()` accepts. */
export const RETRY_OPTIONS: ReadonlySet<string> = new Set([
  'attempts',
  'strategy',
  'shouldRetry',
  'retryOnTimeout',
  'signal',
  'totalTimeout',
  'attemptTimeoutMs',
  'maxRetryAfter',
  'retryAfterJitter',
  'respectRetryAfter',
  'budget',
  'budgetKey',
  'onRetry',
  'onGiveUp',
  'clock',
  'random',
]);

/** @internal The names `backoffRetry()` (ky) accepts. */
export const KY_RETRY_OPTIONS: ReadonlySet<string> = new Set([
  'attempts',
  'strategy',
  'shouldRetry',
  'retryOnTimeout',
  'maxRetryAfter',
  'retryAfterJitter',
  'retryConflictWithKey',
  'idempotencyHeader',
  'budget',
  'onRetry',
  'onGiveUp',
  'clock',
  'random',
]);

/** What users of opossum and cockatiel pass to a breaker, and what to use here. */
export const BREAKER_HINTS: Readonly<Record<string, string>> = Object.freeze({
  errorThresholdPercentage: '`failureRatio` (a share from 0 to 1: opossum 50 → 0.5)',
  resetTimeout: '`breakDurationMs`',
  halfOpenAfter: '`breakDurationMs`',
  volumeThreshold: '`minimumThroughput`',
  rollingCountTimeout: '`samplingWindowMs`',
  threshold: '`failureRatio` (a share from 0 to 1)',
  duration: '`samplingWindowMs`',
  minimumRps: '`minimumThroughput` (calls in the window)',
  breaker:
    '`consecutiveFailures` (cockatiel ConsecutiveBreaker(n)) or `failureRatio` (SamplingBreaker)',
  timeout:
    'a timeout on the call itself (`retry(fn, { attemptTimeoutMs })`, or the `signal` passed to `fn`)',
  errorFilter: '`isFailure` (return false for errors that must not count)',
});
