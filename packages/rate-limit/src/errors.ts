import { BraceError } from '@brace/core';

/**
 * Thrown by `schedule()` / `acquire()` when the queue already holds `maxQueue` tasks.
 * Nothing was run or charged; back off, shed load, or raise `maxQueue`.
 *
 * @example
 * ```ts
 * import { RateLimitQueueFullError } from '@brace/rate-limit';
 *
 * try {
 *   await limiter.schedule(() => fetch(url));
 * } catch (error) {
 *   if (error instanceof RateLimitQueueFullError) return serviceBusy();
 *   throw error;
 * }
 * ```
 */
export class RateLimitQueueFullError extends BraceError {
  /** The `maxQueue` that was reached. */
  readonly maxQueue: number;
  /** The key (tenant / partition) of the rejected task. */
  readonly key: string;

  /**
   * @param key - the rejected task's key
   * @param maxQueue - the configured bound
   */
  constructor(key: string, maxQueue: number) {
    super(
      'RATE_LIMIT_QUEUE_FULL',
      `The rate-limit queue is full (maxQueue ${maxQueue}); the task was not queued. ` +
        'Slow down the producer, shed load, or raise maxQueue.',
    );
    this.key = key;
    this.maxQueue = maxQueue;
  }
}

/**
 * Rejects a queued task that waited `maxWaitMs` without being dispatched. It never ran.
 *
 * @example
 * ```ts
 * import { RateLimitWaitTimeoutError } from '@brace/rate-limit';
 *
 * const result = await limiter.schedule(task).catch((error) => {
 *   if (error instanceof RateLimitWaitTimeoutError) return fallback();
 *   throw error;
 * });
 * ```
 */
export class RateLimitWaitTimeoutError extends BraceError {
  /** The `maxWaitMs` that elapsed. */
  readonly maxWaitMs: number;
  /** The key (tenant / partition) of the rejected task. */
  readonly key: string;

  /**
   * @param key - the rejected task's key
   * @param maxWaitMs - the configured bound
   */
  constructor(key: string, maxWaitMs: number) {
    super(
      'RATE_LIMIT_WAIT_TIMEOUT',
      `The task waited ${maxWaitMs} ms in the rate-limit queue without being dispatched and was rejected; it never ran. ` +
        'Raise maxWaitMs or send fewer requests.',
    );
    this.key = key;
    this.maxWaitMs = maxWaitMs;
  }
}

/**
 * A task whose `cost` can never fit under one of the policies (cost greater than its
 * `limit`, or than its `burst` for a GCRA policy). Rejected at once instead of waiting forever.
 *
 * @example
 * ```ts
 * import { RateLimitCostError } from '@brace/rate-limit';
 *
 * await limiter.schedule(task, { cost: 1000 }).catch((error) => {
 *   if (error instanceof RateLimitCostError) splitTheBatch();
 * });
 * ```
 */
export class RateLimitCostError extends BraceError {
  /** The cost that was asked for. */
  readonly cost: number;

  /**
   * @param cost - the requested cost
   * @param capacity - the largest cost the policies allow
   */
  constructor(cost: number, capacity: number) {
    super(
      'RATE_LIMIT_COST_TOO_HIGH',
      `A task with cost ${cost} can never run: the policies allow at most ${capacity} at once. ` +
        'Split the work or raise the limit.',
    );
    this.cost = cost;
  }
}

/**
 * Bad options given to `createRateLimiter`, `memoryStore` or a store adapter. Thrown at
 * construction (or at the call, for per-call options), naming the option and its accepted range.
 *
 * @example
 * ```ts
 * import { RateLimitOptionsError, createRateLimiter } from '@brace/rate-limit';
 *
 * try {
 *   createRateLimiter({ policies: [{ limit: 0, intervalMs: 1000 }] });
 * } catch (error) {
 *   error instanceof RateLimitOptionsError; // true: "policies[0].limit must be ..."
 * }
 * ```
 */
export class RateLimitOptionsError extends BraceError {
  /** The option that was wrong, e.g. `policies[0].limit`. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - the accepted range, e.g. `an integer >= 1`
   */
  constructor(option: string, expected: string) {
    super('RATE_LIMIT_INVALID_OPTION', `Invalid rate-limit option: ${option} must be ${expected}.`);
    this.option = option;
  }
}
