import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackoffOptionError } from './errors.js';
import {
  constant,
  DEFAULT_BASE_MS,
  DEFAULT_CAP_MS,
  defaultStrategy,
  exponential,
  type Jitter,
  linear,
  safeDelay,
} from './strategies.js';
import { MAX_DELAY_MS } from './validate.js';

const jitters: Jitter[] = ['full', 'equal', 'decorrelated', 'none'];
const attemptArb = fc.oneof(
  fc.integer({ min: 1, max: 20 }),
  fc.integer({ min: 1, max: 1_000_000 }),
  fc.constantFrom(1024, 1025, 1026, 10_000, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY),
  fc.double({ noNaN: false }),
);
const randomArb = fc.oneof(
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  fc.constantFrom(0, 0.999999999, 1, -1, Number.NaN),
);
const configArb = fc
  .record({
    base: fc.double({ min: 0, max: 10_000, noNaN: true }),
    factor: fc.double({ min: 1, max: 10, noNaN: true }),
    extra: fc.double({ min: 0, max: 1_000_000, noNaN: true }),
    jitter: fc.constantFrom(...jitters),
  })
  .map(({ base, factor, extra, jitter }) => ({ base, factor, cap: base + extra, jitter }));

function isSane(value: number, cap: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= cap;
}

describe('exponential', () => {
  it('never returns NaN, Infinity, a negative or more than cap, for any attempt and random', () => {
    fc.assert(
      fc.property(configArb, attemptArb, randomArb, fc.double(), (config, attempt, r, previous) => {
        const strategy = exponential(config);
        const delay = strategy(attempt, { previous, random: () => r });
        expect(isSane(delay, config.cap)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps a chained decorrelated sequence sane over 10,000 attempts (cockatiel #86, Polly #2163)', () => {
    for (const jitter of jitters) {
      const strategy = exponential({ base: 5, cap: 2_000, jitter });
      let previous = 0;
      let x = 1;
      const random = () => {
        x = (x * 48_271) % 2_147_483_647;
        return x / 2_147_483_647;
      };
      for (let attempt = 1; attempt <= 10_000; attempt++) {
        previous = strategy(attempt, { previous, random });
        expect(isSane(previous, 2_000)).toBe(true);
      }
    }
  });

  it('is as well-behaved at attempt 10,000 as at attempt 3 (same distribution once capped)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        const s = exponential({ base: 100, cap: 400 });
        // attempt 3 reaches the cap (100·2² = 400): from there on the output only depends on r.
        expect(s(10_000, { previous: 0, random: () => r })).toBe(
          s(3, { previous: 0, random: () => r }),
        );
      }),
    );
  });

  it('is still random at the cap', () => {
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      const s = exponential({ base: 10, cap: 1_000, jitter });
      const values = new Set<number>();
      for (let i = 0; i < 20; i++) values.add(s(10_000, { previous: 1_000, random: () => i / 20 }));
      expect(values.size).toBe(20);
    }
  });

  it('follows the formulas of Brooker', () => {
    const at = (jitter: Jitter, attempt: number, r: number, previous = 0) =>
      exponential({ base: 10, cap: 1_000, jitter })(attempt, { previous, random: () => r });
    expect(at('none', 1, 0.5)).toBe(10);
    expect(at('none', 4, 0.5)).toBe(80);
    expect(at('none', 20, 0.5)).toBe(1_000);
    expect(at('full', 4, 0.5)).toBe(40);
    expect(at('full', 4, 0)).toBe(0);
    expect(at('equal', 4, 0)).toBe(40);
    expect(at('equal', 4, 0.5)).toBe(60);
    // decorrelated: U(base, 3·previous), previous starting at base
    expect(at('decorrelated', 1, 0)).toBe(10);
    expect(at('decorrelated', 1, 0.5)).toBe(20);
    expect(at('decorrelated', 2, 0.5, 100)).toBe(155);
    expect(at('decorrelated', 2, 0.999, 900)).toBeCloseTo(999.01);
  });

  it('supports other factors and defaults to full jitter, base 100 ms, cap 20 s', () => {
    expect(
      exponential({ base: 1, factor: 3, jitter: 'none' })(3, { previous: 0, random: Math.random }),
    ).toBe(9);
    expect(
      exponential({ base: 7, factor: 1, jitter: 'none' })(50, { previous: 0, random: Math.random }),
    ).toBe(7);
    expect(exponential({ base: 0, jitter: 'none' })(50, { previous: 0, random: Math.random })).toBe(
      0,
    );
    expect(defaultStrategy(1, { previous: 0, random: () => 0.5 })).toBe(DEFAULT_BASE_MS / 2);
    expect(defaultStrategy(100, { previous: 0, random: () => 0.5 })).toBe(DEFAULT_CAP_MS / 2);
  });

  it('rejects bad options naming the option', () => {
    expect(() => exponential({ factor: 0.5 })).toThrow(BackoffOptionError);
    expect(() => exponential({ base: -1 })).toThrow(/`base` must be a number from 0/);
    expect(() => exponential({ base: 100, cap: 50 })).toThrow(/`cap`/);
    expect(() => exponential({ cap: Number.POSITIVE_INFINITY })).toThrow(/`cap`/);
    expect(() => exponential({ base: Number.NaN })).toThrow(/`base`/);
    expect(() => exponential({ jitter: 'half' as Jitter })).toThrow(/`jitter` must be one of/);
  });
});

describe('constant and linear', () => {
  it('constant returns the same delay', () => {
    expect(constant(250)(1, { previous: 0, random: Math.random })).toBe(250);
    expect(constant(250)(1e9, { previous: 0, random: Math.random })).toBe(250);
    expect(() => constant(-1)).toThrow(/`ms`/);
  });

  it('linear grows by step up to cap and never overflows', () => {
    const s = linear({ base: 100, step: 50, cap: 300 });
    const ctx = { previous: 0, random: Math.random };
    expect([1, 2, 3, 4, 5, 10_000].map((a) => s(a, ctx))).toEqual([100, 150, 200, 250, 300, 300]);
    fc.assert(
      fc.property(attemptArb, fc.double({ min: 0, max: 1e6, noNaN: true }), (attempt, step) => {
        const value = linear({ base: 10, step, cap: 5_000 })(attempt, ctx);
        expect(isSane(value, 5_000)).toBe(true);
      }),
    );
    expect(linear({ step: 0 })(99, ctx)).toBe(DEFAULT_BASE_MS);
    expect(linear()(2, ctx)).toBe(2 * DEFAULT_BASE_MS);
    expect(() => linear({ step: -5 })).toThrow(/`step`/);
  });
});

describe('safeDelay', () => {
  it('maps anything to a sleepable delay', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        const d = safeDelay(value);
        expect(Number.isFinite(d) && d >= 0 && d <= MAX_DELAY_MS).toBe(true);
      }),
    );
    expect(safeDelay(Number.NaN)).toBe(0);
    expect(safeDelay(Number.POSITIVE_INFINITY)).toBe(MAX_DELAY_MS);
    expect(safeDelay(12.5)).toBe(12.5);
  });
});
