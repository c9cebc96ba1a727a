/**
 * A client-side rate-limit queue (`createRateLimiter`) that stays under the provider's limit and learns from its RateLimit headers.
 *
 * @module
 */
export type { AdaptiveOptions } from './adaptive.js';
export { createRateLimiter } from './create.js';
export {
  RateLimitClearedError,
  RateLimitCostError,
  RateLimitOptionsError,
  RateLimitQueueFullError,
  RateLimitStoreAnswerError,
  RateLimitWaitTimeoutError,
} from './errors.js';
export {
  DEFAULT_MAX_KEYS,
  type MemoryStore,
  type MemoryStoreOptions,
  memoryStore,
} from './memory-store.js';
export {
  DEFAULT_BARE_429_PAUSE_MS,
  DEFAULT_SHOPIFY_LEAK_PER_SECOND,
  MAX_BARE_429_PAUSE_MS,
} from './observe.js';
export { DEFAULT_PACING, DEFAULT_SAFETY_MARGIN_MS, DEFAULT_WINDOW_FROM } from './pacing.js';
export type {
  AcquireManyResult,
  AcquireResult,
  PauseReason,
  RateLimitPolicy,
  RateLimitStore,
  ThrottleReason,
} from './store.js';
export {
  type AcquireOptions,
  DEFAULT_CONCURRENCY,
  DEFAULT_KEY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PARTITION,
  DEFAULT_PRIORITY,
  type DispatchEvent,
  type KeyStats,
  type LimiterErrorEvent,
  type ObserveOptions,
  type ObserveResult,
  type PartitionContext,
  type PauseEvent,
  type QueuedEvent,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStats,
  type RejectedEvent,
  type Release,
  type ScheduleContext,
  type ScheduleOptions,
  type ThrottledEvent,
} from './types.js';
