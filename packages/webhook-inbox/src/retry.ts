import { InboxOptionsError } from './errors.js';

/** Default attempts before an event becomes a dead letter: 8. */
export const DEFAULT_INBOX_ATTEMPTS = 8;
/** Default first retry delay: 1 s. */
export const DEFAULT_INBOX_RETRY_BASE_MS = 1_000;
/** Default longest retry delay: 15 minutes. */
export const DEFAULT_INBOX_RETRY_CAP_MS = 15 * 60_000;

/**
 * How failed handlers are retried.
 *
 * @example
 * ```ts
 * import type { InboxRetryOptions } from '@brace/webhook-inbox';
 *
 * // 5 attempts; waits of up to 2 s, 4 s, 8 s, 16 s (full jitter)
 * const retry: InboxRetryOptions = { attempts: 5, baseMs: 2_000 };
 * ```
 */
export interface InboxRetryOptions {
  /** Attempts in all, the first included, before the event is dead-lettered. Default {@link DEFAULT_INBOX_ATTEMPTS}. */
  attempts?: number;
  /** The first retry's delay ceiling; doubles each attempt (full jitter). Default {@link DEFAULT_INBOX_RETRY_BASE_MS}. */
  baseMs?: number;
  /** The largest delay. Default {@link DEFAULT_INBOX_RETRY_CAP_MS}. */
  capMs?: number;
  /** Your own delay before attempt `attempt + 1`, in ms (replaces the exponential schedule); rounded up to whole ms, and 0 when it throws or is not a positive number. */
  delay?: (attempt: number, error: unknown) => number;
}

/** A validated retry schedule. */
export interface RetryPlan {
  attempts: number;
  delayAfter(attempt: number, error: unknown): number;
}

function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min || (name === 'retry.attempts' && !Number.isInteger(v))) {
    throw new InboxOptionsError(
      `${name} must be a ${name === 'retry.attempts' ? 'whole ' : ''}number of at least ${min}.`,
    );
  }
  return v;
}

/** Validates `retry` and returns the schedule: full jitter, `U(0, min(cap, base * 2^(n-1)))`. */
export function retryPlan(
  options: InboxRetryOptions = {},
  random: () => number = Math.random,
): RetryPlan {
  const attempts = whole('retry.attempts', options.attempts, DEFAULT_INBOX_ATTEMPTS, 1);
  const baseMs = whole('retry.baseMs', options.baseMs, DEFAULT_INBOX_RETRY_BASE_MS, 0);
  const capMs = whole('retry.capMs', options.capMs, DEFAULT_INBOX_RETRY_CAP_MS, 0);
  const custom = options.delay;
  return {
    attempts,
    delayAfter(attempt, error) {
      if (custom !== undefined) {
        let ms: number;
        try {
          ms = custom(attempt, error);
        } catch {
          return 0; // a throwing delay must not crash the worker: retry at once
        }
        return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : 0;
      }
      const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 40));
      return Math.floor(random() * ceiling);
    },
  };
}
