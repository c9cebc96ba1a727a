import { manualClock, systemClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { BackoffOptionError } from './errors.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRY_AFTER_JITTER,
} from './retry.js';
import { resolveRetryOptions } from './retry-options.js';
import { constant, defaultStrategy } from './strategies.js';

describe('resolveRetryOptions', () => {
  it('applies every default', () => {
    expect(resolveRetryOptions({})).toEqual({
      attempts: DEFAULT_ATTEMPTS,
      strategy: defaultStrategy,
      shouldRetry: undefined,
      retryOnTimeout: false,
      maxRetryAfter: DEFAULT_MAX_RETRY_AFTER_MS,
      retryAfterJitter: DEFAULT_RETRY_AFTER_JITTER,
      retryConflict: true,
      idempotencyHeader: 'idempotency-key',
      clock: systemClock,
      random: Math.random,
    });
  });

  it('keeps what the caller gave, lower-casing the idempotency header', () => {
    const clock = manualClock();
    const strategy = constant(5);
    const shouldRetry = () => true;
    const random = () => 0.5;
    // The options that keep their names, as given.
    const kept = {
      attempts: 7,
      strategy,
      shouldRetry,
      retryOnTimeout: true,
      maxRetryAfter: 0,
      retryAfterJitter: 1,
      clock,
      random,
    };
    expect(
      resolveRetryOptions({
        ...kept,
        retryConflictWithKey: false,
        idempotencyHeader: 'X-Request-Key',
      }),
    ).toEqual({ ...kept, retryConflict: false, idempotencyHeader: 'x-request-key' });
  });

  it.each([
    ['attempts', { attempts: 0 }],
    ['attempts', { attempts: 2.5 }],
    ['strategy', { strategy: 3 }],
    ['shouldRetry', { shouldRetry: 'yes' }],
    ['maxRetryAfter', { maxRetryAfter: -1 }],
    ['retryAfterJitter', { retryAfterJitter: 1.5 }],
    ['random', { random: 0.5 }],
  ])('rejects a bad %s with BackoffOptionError naming it', (option, bad) => {
    const attempt = () => resolveRetryOptions(bad as never);
    expect(attempt).toThrow(BackoffOptionError);
    expect(attempt).toThrow(expect.objectContaining({ option }));
  });

  it('names the first bad option in declaration order', () => {
    expect(() => resolveRetryOptions({ random: 1, attempts: 0 } as never)).toThrow(
      expect.objectContaining({ option: 'attempts' }),
    );
  });
});
