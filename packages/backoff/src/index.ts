/**
 * Retries with jitter strategies, Retry-After, per-host retry budgets and circuit breaking, for any async function (`retry(fn)`).
 *
 * @module
 */
export { createCircuitBreaker } from './breaker.js';
export {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitChangeReason,
  type CircuitState,
  type CircuitStateChangeEvent,
  DEFAULT_BREAK_DURATION_MS,
  DEFAULT_FAILURE_RATIO,
  DEFAULT_HALF_OPEN_PROBES,
  DEFAULT_MINIMUM_THROUGHPUT,
  DEFAULT_SAMPLING_WINDOW_MS,
  type ExecuteContext,
  type ExecuteOptions,
} from './breaker-options.js';
export {
  createRetryBudget,
  createTokenBucketBudget,
  DEFAULT_BUDGET_MIN_PER_SECOND,
  DEFAULT_BUDGET_RATIO,
  DEFAULT_BUDGET_WINDOW_MS,
  DEFAULT_KEY_TTL_MS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_TOKEN_RATIO,
  type RetryBudget,
  type RetryBudgetOptions,
  type TokenBucketBudgetOptions,
} from './budget.js';
export {
  type ClassifyOptions,
  headersOf,
  isNetworkError,
  isPermanentStatus,
  isRetryableError,
  isTimeoutError,
  isTransientError,
  RETRYABLE_STATUS_CODES,
  serverDelayOf,
  statusOf,
} from './classify.js';
export {
  BackoffOptionError,
  CircuitOpenError,
  RetryAfterTooLongError,
  RetryBudgetExhaustedError,
  RetryDeadlineError,
  RetryExhaustedError,
} from './errors.js';
export { type RetryHistory, retryHistoryOf } from './history.js';
export { DEFAULT_MAX_KEYS } from './keyed.js';
export {
  type AttemptContext,
  DEFAULT_ATTEMPTS,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRY_AFTER_JITTER,
  type GiveUpEvent,
  type GiveUpReason,
  type RetryEvent,
  type RetryOptions,
  retry,
} from './retry.js';
export { MIN_RETRY_AFTER_SPREAD_MS } from './server-wait.js';
export {
  constant,
  DEFAULT_BASE_MS,
  DEFAULT_CAP_MS,
  DEFAULT_FACTOR,
  DEFAULT_JITTER,
  defaultStrategy,
  type ExponentialOptions,
  exponential,
  type Jitter,
  type LinearOptions,
  linear,
  type Strategy,
  type StrategyContext,
} from './strategies.js';
export { MAX_DELAY_MS } from './validate.js';
