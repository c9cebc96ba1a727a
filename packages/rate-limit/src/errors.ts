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
 *   if (!(error instanceof RateLimitQueueFullError)) throw error;
 *   serviceBusy();
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
 * const result = await limiter.schedule(task).catch((error: unknown) => {
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
 * await limiter.schedule(task, { cost: 1000 }).catch((error: unknown) => {
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
   * @param message - a message of its own (e.g. for an unknown option), instead of the range
   */
  constructor(option: string, expected: string, message?: string) {
    super(
      'RATE_LIMIT_INVALID_OPTION',
      message ?? `Invalid rate-limit option: ${option} must be ${expected}.`,
    );
    this.option = option;
  }
}

/**
 * A custom store broke the `RateLimitStore` contract: its answer to `tryAcquire` or
 * `tryAcquireMany` was malformed (e.g. `granted` not an integer from 0 to the number of
 * requests asked, no refusal when some were not granted, or a `retryInMs` that is not a finite
 * number > 0). Every task of that call is rejected (`onRejected` reason `store-error`) and
 * never runs: the limiter fails closed rather than guess what the store charged.
 *
 * @example
 * ```ts
 * import { RateLimitStoreAnswerError } from '@brace/rate-limit';
 *
 * await limiter.schedule(task).catch((error: unknown) => {
 *   if (error instanceof RateLimitStoreAnswerError) reportBrokenStore(error.operation);
 *   throw error;
 * });
 * ```
 */
export class RateLimitStoreAnswerError extends BraceError {
  /** The key (tenant / partition) the call was for. */
  readonly key: string;
  /** The store method whose answer was malformed. */
  readonly operation: 'tryAcquire' | 'tryAcquireMany';

  /**
   * @param key - the call's key
   * @param requests - how many requests the call asked for (`tryAcquireMany` when more than 1)
   */
  constructor(key: string, requests: number) {
    const operation = requests === 1 ? 'tryAcquire' : 'tryAcquireMany';
    super(
      'RATE_LIMIT_STORE_INVALID_ANSWER',
      requests === 1
        ? 'The rate-limit store answered tryAcquire with a malformed result; the task was rejected and never ran. ' +
            'A store must answer { ok: true } or { ok: false, retryInMs: a finite number > 0, policyIndex }.'
        : `The rate-limit store answered tryAcquireMany for ${requests} requests with a malformed result; ` +
            'its tasks were rejected and never ran. A store must answer ' +
            `{ granted: an integer from 0 to ${requests}, refused: { ok: false, retryInMs: a finite number > 0, policyIndex } ` +
            `(required when granted < ${requests}) }.`,
    );
    this.key = key;
    this.operation = operation;
  }
}

/**
 * The task was still waiting when `limiter.clear()` was called: it never ran and nothing was
 * charged for it.
 *
 * @example
 * ```ts
 * import { RateLimitClearedError } from '@brace/rate-limit';
 *
 * await limiter.schedule(task).catch((error: unknown) => {
 *   if (error instanceof RateLimitClearedError) return; // shutting down
 *   throw error;
 * });
 * ```
 */
export class RateLimitClearedError extends BraceError {
  /** The key (tenant / partition) of the cleared task. */
  readonly key: string;

  /**
   * @param key - the cleared task's key
   */
  constructor(key: string) {
    super(
      'RATE_LIMIT_CLEARED',
      'The rate-limit queue was cleared while the task waited; it never ran. Schedule it again if it is still wanted.',
    );
    this.key = key;
  }
}

/**
 * @internal An option name the limiter does not know, with what to use instead.
 */
export function unknownOptionError(
  option: string,
  suggestion: string | undefined,
): RateLimitOptionsError {
  const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  return new RateLimitOptionsError(
    option,
    'a known option',
    `Unknown rate-limit option \`${option}\`${hint} See the options table in the @brace/rate-limit README.`,
  );
}
