import type { RetryOptions as KyRetryOptions } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AttemptContext,
  type CircuitState,
  createCircuitBreaker,
  createRetryBudget,
  exponential,
  type RetryBudget,
  retry,
  type Strategy,
} from './index.js';
import { backoffRetry } from './ky.js';

describe('types', () => {
  it('retry resolves with fn’s value type', () => {
    expectTypeOf(retry(async () => 42)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(retry(() => 'sync')).toEqualTypeOf<Promise<string>>();
    expectTypeOf<Parameters<typeof retry>[0]>().parameter(0).toEqualTypeOf<AttemptContext>();
  });

  it('strategies, budgets and breakers have the documented shapes', () => {
    expectTypeOf(exponential()).toEqualTypeOf<Strategy>();
    expectTypeOf(createRetryBudget()).toEqualTypeOf<RetryBudget>();
    expectTypeOf(createCircuitBreaker().state()).toEqualTypeOf<CircuitState>();
    expectTypeOf(createCircuitBreaker().execute(async () => 1)).toEqualTypeOf<Promise<number>>();
  });

  it('backoffRetry is ky’s retry option', () => {
    expectTypeOf(backoffRetry()).toEqualTypeOf<KyRetryOptions>();
  });
});
