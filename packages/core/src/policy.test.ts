import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_KEYS, policyFromHeader } from './policy.js';
import { parseRateLimit } from './rate-limit.js';

describe('RateLimitPolicy', () => {
  it('one DEFAULT_MAX_KEYS', () => {
    expect(DEFAULT_MAX_KEYS).toBe(10_000);
  });

  it('policyFromHeader turns an announced policy into one to enforce', () => {
    const announced =
      parseRateLimit({
        'ratelimit-policy':
          '"burst";q=100;w=60,"daily";q=1000;w=86400,"nowin";q=5,"zero";q=0;w=1,"bytes";q=9;w=1;qu="content-bytes"',
      })?.policies ?? [];
    expect(announced.map(policyFromHeader)).toEqual([
      { limit: 100, intervalMs: 60_000 },
      { limit: 1000, intervalMs: 86_400_000 },
      undefined,
      undefined,
      undefined,
    ]);
    expect(policyFromHeader({ name: '', quota: 3, windowSec: 1, quotaUnit: 'requests' })).toEqual({
      limit: 3,
      intervalMs: 1000,
    });
  });
});
