import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseServerDelay } from './server-delay.js';

const NOW = Date.UTC(1994, 10, 6, 8, 49, 0);

describe('parseServerDelay', () => {
  it('reads Retry-After (seconds and dates)', () => {
    expect(parseServerDelay(new Headers({ 'Retry-After': '2' }))).toEqual({
      delayMs: 2000,
      source: 'retry-after',
    });
    expect(parseServerDelay({ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }, NOW)).toEqual({
      delayMs: 37_000,
      source: 'retry-after',
    });
  });

  it('prefers Retry-After over a rate-limit reset (the draft says it wins over t)', () => {
    expect(parseServerDelay({ 'retry-after': '3', ratelimit: '"default";r=0;t=30' }, NOW)).toEqual({
      delayMs: 3000,
      source: 'retry-after',
    });
  });

  it('falls back to the reset of an exhausted rate limit, in every form', () => {
    const cases = [
      { ratelimit: '"default";r=0;t=30' },
      { ratelimit: 'limit=10, remaining=0, reset=30' },
      { 'ratelimit-remaining': '0', 'ratelimit-reset': '30' },
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' },
      { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '30' },
    ];
    for (const headers of cases) {
      expect(parseServerDelay(headers, NOW)).toEqual({
        delayMs: 30_000,
        source: 'rate-limit-reset',
      });
    }
    const in2023 = 1_700_000_000_000;
    expect(
      parseServerDelay({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000030' }, in2023),
    ).toEqual({ delayMs: 30_000, source: 'rate-limit-reset' });
  });

  it('ignores an invalid Retry-After and falls back', () => {
    expect(
      parseServerDelay({ 'retry-after': 'soon', ratelimit: 'remaining=0, reset=4' }, NOW),
    ).toEqual({ delayMs: 4000, source: 'rate-limit-reset' });
  });

  it('is undefined when quota remains, the reset is unknown, or nothing was said', () => {
    expect(parseServerDelay({ ratelimit: 'limit=10, remaining=3, reset=7' })).toBeUndefined();
    expect(parseServerDelay({ ratelimit: 'remaining=0' })).toBeUndefined();
    expect(parseServerDelay({ 'x-shopify-shop-api-call-limit': '40/40' })).toBeUndefined();
    expect(parseServerDelay({})).toBeUndefined();
    expect(parseServerDelay({ 'retry-after': '' })).toBeUndefined();
  });

  it('never throws and returns a finite, non-negative delay (property)', () => {
    const names = [
      'retry-after',
      'ratelimit',
      'ratelimit-remaining',
      'x-ratelimit-reset',
      'x-ratelimit-remaining',
    ];
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...names),
          fc.oneof(fc.string(), fc.constantFrom('0', '5', '1.5')),
        ),
        fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.double()),
        (headers, now) => {
          const delay = parseServerDelay(headers, now);
          if (delay !== undefined) {
            expect(Number.isFinite(delay.delayMs)).toBe(true);
            expect(delay.delayMs).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
