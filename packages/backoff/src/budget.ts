import { type Clock, systemClock } from '@brace/core';
import { DEFAULT_MAX_KEYS, KeyedState } from './keyed.js';
import { checkOptionNames } from './option-names.js';
import { numberOption } from './validate.js';

const RATIO_OPTIONS = new Set([
  'ratio',
  'minPerSecond',
  'windowMs',
  'maxKeys',
  'keyTtlMs',
  'clock',
]);
const TOKEN_OPTIONS = new Set(['maxTokens', 'tokenRatio', 'maxKeys', 'keyTtlMs', 'clock']);

/**
 * A retry budget shared across calls: it hears about every request and outcome and says
 * whether one more retry is allowed now. Keys partition it (the ky adapter uses the
 * host); omit the key for one shared budget. Both {@link createRetryBudget} and
 * {@link createTokenBucketBudget} implement it, and so can your own.
 *
 * @example
 * ```ts
 * import { createRetryBudget, retry } from '@brace/backoff';
 *
 * const budget = createRetryBudget({ ratio: 0.1 }); // shared by every call it should cap
 * const [user, orders] = await Promise.all([
 *   retry(() => fetchUser(), { budget }),
 *   retry(() => fetchOrders(), { budget }),
 * ]);
 * ```
 */
export interface RetryBudget {
  /** A new call (its first attempt) starts. */
  onRequest(key?: string): void;
  /** An attempt succeeded. */
  onSuccess(key?: string): void;
  /** An attempt failed with a retryable error. */
  onFailure(key?: string): void;
  /** Whether a retry may happen now; when it returns true the retry is counted. */
  tryRetry(key?: string): boolean;
}

/**
 * Default share of requests that may be retries: 0.1 (Google SRE's 10% rule).
 *
 * @example
 * ```ts
 * import { DEFAULT_BUDGET_RATIO } from '@brace/backoff';
 *
 * console.log(DEFAULT_BUDGET_RATIO);
 * ```
 */
export const DEFAULT_BUDGET_RATIO = 0.1;
/**
 * Default floor of retries always allowed per second, so quiet clients can still retry: 10.
 *
 * @example
 * ```ts
 * import { DEFAULT_BUDGET_MIN_PER_SECOND } from '@brace/backoff';
 *
 * console.log(DEFAULT_BUDGET_MIN_PER_SECOND);
 * ```
 */
export const DEFAULT_BUDGET_MIN_PER_SECOND = 10;
/**
 * Default sliding window of {@link createRetryBudget}: 10 s.
 *
 * @example
 * ```ts
 * import { DEFAULT_BUDGET_WINDOW_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_BUDGET_WINDOW_MS);
 * ```
 */
export const DEFAULT_BUDGET_WINDOW_MS = 10_000;
/**
 * Default `maxTokens` of {@link createTokenBucketBudget}: 10 (gRPC A6).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_TOKENS } from '@brace/backoff';
 *
 * console.log(DEFAULT_MAX_TOKENS);
 * ```
 */
export const DEFAULT_MAX_TOKENS = 10;
/**
 * Default `tokenRatio` of {@link createTokenBucketBudget}: 0.1 (gRPC A6).
 *
 * @example
 * ```ts
 * import { DEFAULT_TOKEN_RATIO } from '@brace/backoff';
 *
 * console.log(DEFAULT_TOKEN_RATIO);
 * ```
 */
export const DEFAULT_TOKEN_RATIO = 0.1;
/**
 * Default time after which an idle key's state is forgotten: 10 minutes.
 *
 * @example
 * ```ts
 * import { DEFAULT_KEY_TTL_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_KEY_TTL_MS);
 * ```
 */
export const DEFAULT_KEY_TTL_MS = 600_000;

const BUCKETS = 10;

/** Options of {@link createRetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed per request in the window, 0–1. Default {@link DEFAULT_BUDGET_RATIO}. */
  ratio?: number;
  /** The floor: retries per second allowed however few requests were made. Default {@link DEFAULT_BUDGET_MIN_PER_SECOND}. */
  minPerSecond?: number;
  /** The sliding window, in ms (1 s – 1 h). Default {@link DEFAULT_BUDGET_WINDOW_MS}. */
  windowMs?: number;
  /** Most keys tracked (LRU eviction). Default {@link DEFAULT_MAX_KEYS} (10,000). */
  maxKeys?: number;
  /** Idle keys are forgotten after this long, in ms. Default {@link DEFAULT_KEY_TTL_MS}. */
  keyTtlMs?: number;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

interface Window {
  requests: number[];
  retries: number[];
  /** Index (time / bucketMs) of the newest bucket written. */
  epoch: number;
}

/**
 * A ratio retry budget (Google SRE, "Handling Overload"): a retry is allowed while
 * `retries + 1 ≤ max(ratio × requests, minPerSecond × windowSeconds)`, counted over a
 * sliding window. The floor lets a quiet client retry at all; it is a minimum, not an
 * addend (as Envoy's `min_retry_concurrency`, unlike Finagle's reserve), so under sustained
 * load with every request failing, attempts stay at `1 + ratio` per call — 1.1× for the
 * default 10% — instead of `1 + ratio + floor ÷ request rate`.
 *
 * @example
 * ```ts
 * import { createRetryBudget, retry } from '@brace/backoff';
 *
 * const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 10, windowMs: 10_000 });
 * await retry(callApi, { budget });
 * ```
 */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  checkOptionNames(options, RATIO_OPTIONS, {});
  const ratio = numberOption('ratio', options.ratio, DEFAULT_BUDGET_RATIO, 0, 1);
  const minPerSecond = numberOption(
    'minPerSecond',
    options.minPerSecond,
    DEFAULT_BUDGET_MIN_PER_SECOND,
    0,
    1_000_000,
  );
  const windowMs = numberOption(
    'windowMs',
    options.windowMs,
    DEFAULT_BUDGET_WINDOW_MS,
    1_000,
    3_600_000,
  );
  const maxKeys = numberOption('maxKeys', options.maxKeys, DEFAULT_MAX_KEYS, 1, 1_000_000, true);
  const ttl = numberOption(
    'keyTtlMs',
    options.keyTtlMs,
    DEFAULT_KEY_TTL_MS,
    windowMs,
    Number.MAX_SAFE_INTEGER,
  );
  const clock = options.clock ?? systemClock;
  const bucketMs = windowMs / BUCKETS;
  const floor = minPerSecond * (windowMs / 1000);
  const keys = new KeyedState<Window>(
    () => ({ requests: new Array(BUCKETS).fill(0), retries: new Array(BUCKETS).fill(0), epoch: 0 }),
    maxKeys,
    ttl,
  );

  /** The key's window, with buckets older than the window cleared. */
  const windowOf = (key: string | undefined): Window => {
    const now = clock.now();
    const w = keys.get(key ?? '', now);
    const epoch = Math.floor(now / bucketMs);
    if (epoch !== w.epoch) {
      const steps = Math.min(BUCKETS, Math.max(0, epoch - w.epoch));
      for (let i = 1; i <= steps; i++) {
        const index = (w.epoch + i) % BUCKETS;
        w.requests[index] = 0;
        w.retries[index] = 0;
      }
      if (epoch > w.epoch) w.epoch = epoch;
    }
    return w;
  };
  const sum = (values: number[]): number => {
    let total = 0;
    for (const v of values) total += v;
    return total;
  };

  return {
    onRequest(key) {
      const w = windowOf(key);
      const index = w.epoch % BUCKETS;
      w.requests[index] = (w.requests[index] as number) + 1;
    },
    onSuccess() {},
    onFailure() {},
    tryRetry(key) {
      const w = windowOf(key);
      if (sum(w.retries) + 1 > Math.max(ratio * sum(w.requests), floor)) return false;
      const index = w.epoch % BUCKETS;
      w.retries[index] = (w.retries[index] as number) + 1;
      return true;
    },
  };
}

/** Options of {@link createTokenBucketBudget}. */
export interface TokenBucketBudgetOptions {
  /** Bucket size; retries stop while tokens ≤ maxTokens / 2. Default {@link DEFAULT_MAX_TOKENS}. */
  maxTokens?: number;
  /** Tokens a success refunds (a failure costs 1). Default {@link DEFAULT_TOKEN_RATIO}. */
  tokenRatio?: number;
  /** Most keys tracked (LRU eviction). Default {@link DEFAULT_MAX_KEYS} (10,000). */
  maxKeys?: number;
  /** Idle keys are forgotten (bucket refilled) after this long, in ms. Default {@link DEFAULT_KEY_TTL_MS}. */
  keyTtlMs?: number;
  /** Time source (for key expiry only). Default `systemClock`. */
  clock?: Clock;
}

/**
 * gRPC-style retry throttling (gRFC A6): each key holds `maxTokens` tokens; a retryable
 * failure costs 1, a success refunds `tokenRatio`; retries are allowed only while
 * tokens > `maxTokens / 2`.
 *
 * @example
 * ```ts
 * import { createTokenBucketBudget, retry } from '@brace/backoff';
 *
 * const budget = createTokenBucketBudget({ maxTokens: 10, tokenRatio: 0.1 });
 * await retry(callApi, { budget });
 * ```
 */
export function createTokenBucketBudget(options: TokenBucketBudgetOptions = {}): RetryBudget {
  checkOptionNames(options, TOKEN_OPTIONS, {});
  const maxTokens = numberOption('maxTokens', options.maxTokens, DEFAULT_MAX_TOKENS, 1, 1_000_000);
  const tokenRatio = numberOption(
    'tokenRatio',
    options.tokenRatio,
    DEFAULT_TOKEN_RATIO,
    0,
    maxTokens,
  );
  const maxKeys = numberOption('maxKeys', options.maxKeys, DEFAULT_MAX_KEYS, 1, 1_000_000, true);
  const ttl = numberOption(
    'keyTtlMs',
    options.keyTtlMs,
    DEFAULT_KEY_TTL_MS,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const clock = options.clock ?? systemClock;
  const keys = new KeyedState<{ tokens: number }>(() => ({ tokens: maxTokens }), maxKeys, ttl);
  const bucket = (key: string | undefined) => keys.get(key ?? '', clock.now());

  return {
    onRequest() {},
    onSuccess(key) {
      const b = bucket(key);
      b.tokens = Math.min(maxTokens, b.tokens + tokenRatio);
    },
    onFailure(key) {
      const b = bucket(key);
      b.tokens = Math.max(0, b.tokens - 1);
    },
    tryRetry(key) {
      return bucket(key).tokens > maxTokens / 2;
    },
  };
}
