import type { RateLimitPolicy as CorePolicy } from '@brace/core';
import { DEFAULT_MAX_KEYS as coreMaxKeys } from '@brace/core';
import { expectTypeOf, test } from 'vitest';
import { DEFAULT_MAX_KEYS, type RateLimitPolicy } from './index.js';

test('one RateLimitPolicy: the limiter policy is core’s, both ways', () => {
  expectTypeOf<RateLimitPolicy>().toEqualTypeOf<CorePolicy>();
  const fromCore: CorePolicy = { limit: 1, intervalMs: 1000, burst: 2 };
  const asLimiter: RateLimitPolicy = fromCore;
  const back: CorePolicy = asLimiter;
  expectTypeOf(back).toEqualTypeOf<CorePolicy>();
  expectTypeOf(DEFAULT_MAX_KEYS).toEqualTypeOf(coreMaxKeys as number);
});
