import { manualClock } from '@brace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdaptiveRates } from './adaptive.js';
import { createRateLimiter } from './create.js';
import { RateLimitOptionsError } from './errors.js';
import { runUntil } from './test-utils/helpers.js';
import { rollingWindowProvider } from './test-utils/provider.js';

/** A provider allowing `limit` arrivals in any rolling second, advertising nothing. */
function silentProvider(limit: number) {
  const accepted: number[] = [];
  let head = 0;
  return (now: number): number => {
    while (head < accepted.length && (accepted[head] as number) <= now - 1000) head++;
    if (accepted.length - head >= limit) return 429;
    accepted.push(now);
    return 200;
  };
}

/** mulberry32: a seeded uniform random in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * 60 s against a silent provider of `limit`/s on a manual clock, 32 callers each awaiting its
 * calls; each request arrives 0–`jitterMs` after its start (seeded). Counts what happened at
 * the provider after the first 10 s.
 */
async function simulate(limit: number, jitterMs: number) {
  const clock = manualClock();
  const provider = silentProvider(limit);
  const random = seeded(limit);
  const limiter = createRateLimiter({ adaptive: true, concurrency: 32, clock });
  const END = 60_000;
  const after10 = { ok: 0, rejected: 0 };
  let stop!: () => void;
  const done = new Promise<void>((resolve) => (stop = resolve));
  let live = 32;
  const send = (): void => {
    if (clock.now() >= END) {
      if (--live === 0) stop();
      return;
    }
    void limiter
      .schedule(
        async () => {
          if (jitterMs > 0) await clock.sleep(random() * jitterMs);
          const now = clock.now();
          const status = provider(now);
          if (now >= 10_000 && now < END) {
            if (status === 429) after10.rejected++;
            else after10.ok++;
          }
          limiter.observe(new Response(null, { status }), { key: 'api' });
        },
        { key: 'api' },
      )
      .then(send);
  };
  for (let i = 0; i < 32; i++) send();
  await runUntil(clock, done);
  return {
    rate: after10.ok / 50, // per second, over the 50 s after the first 10
    rejected: after10.rejected / (after10.ok + after10.rejected),
  };
}

describe('adaptive mode: learning an unadvertised limit (simulated provider, manual clock)', () => {
  for (const [limit, jitterMs] of [
    [50, 0],
    [50, 20],
    [10, 20],
    [200, 20],
  ] as const) {
    it(`converges to >= 90% of an unadvertised ${limit}/s with <= 2% rejected after the first 10 s (arrival jitter 0–${jitterMs} ms)`, async () => {
      const { rate, rejected } = await simulate(limit, jitterMs);
      expect(rate).toBeGreaterThanOrEqual(0.9 * limit);
      expect(rate).toBeLessThanOrEqual(limit);
      expect(rejected).toBeLessThanOrEqual(0.02);
    });
  }
});

describe('AdaptiveRates', () => {
  /** Successes of `key` every `everyMs` from `from` (exclusive) to `to` (inclusive). */
  const successes = (
    rates: AdaptiveRates,
    key: string,
    from: number,
    to: number,
    everyMs: number,
  ) => {
    for (let t = from + everyMs; t <= to; t += everyMs) rates.onSuccess(key, t);
  };

  it('slow start adds 1 per success (doubling every second); a 429 cuts what got through, once per second', () => {
    const rates = new AdaptiveRates({ initialRate: 1, decrease: 0.5, minRate: 2, maxRate: 1000 });
    successes(rates, 'k', 0, 1000, 10);
    expect(rates.rate('k')).toBe(101); // 100 successes in a second
    // Then only every other request gets through (50/s): the rate is capped at twice that...
    successes(rates, 'k', 1000, 3000, 20);
    expect(rates.rate('k')).toBeGreaterThan(99);
    expect(rates.rate('k')).toBeLessThan(112);
    // ...and a 429 cuts from the 50/s that got through, not from the rate.
    rates.onThrottle('k', 3000);
    expect(rates.rate('k')).toBeGreaterThan(24);
    expect(rates.rate('k')).toBeLessThan(28);
    const cut = rates.rate('k');
    rates.onThrottle('k', 3900); // the same overshoot
    expect(rates.rate('k')).toBe(cut);
    // Nothing got through in the last second: the cut applies to the rate itself.
    rates.onThrottle('k', 5000);
    expect(rates.rate('k')).toBe(cut / 2);
    for (let i = 0; i < 5; i++) rates.onThrottle('k', 7_000 + 1_000 * i);
    expect(rates.rate('k')).toBe(2); // never below minRate
    expect(rates.spacing('k')).toBe(500);
    expect(rates.spacing('other')).toBe(1000); // an unknown key: the initial rate
  });

  it('grows back as CUBIC: near the peak 4 s after a cut, flat around it, faster beyond', () => {
    const rates = new AdaptiveRates({ initialRate: 1, maxRate: 1_000 });
    successes(rates, 'k', 0, 1500, 10); // 100/s
    rates.onThrottle('k', 1500);
    const peak = 100;
    const rate = () => rates.rate('k');
    expect(rate()).toBeGreaterThan(0.88 * peak); // × 0.9 of what got through
    expect(rate()).toBeLessThan(0.92 * peak);
    const at = (seconds: number) => {
      successes(rates, 'k', 1500 + (seconds - 1) * 1000, 1500 + seconds * 1000, 10);
      return rate();
    };
    expect(at(1)).toBeGreaterThan(0.94 * peak); // 0.957 × peak
    expect(at(2)).toBeGreaterThan(0.98 * peak);
    expect(at(3)).toBeGreaterThan(0.99 * peak);
    expect(at(4)).toBeCloseTo(peak, -1); // back at the peak
    expect(at(5)).toBeLessThan(1.02 * peak); // +0.2%
    expect(at(6)).toBeLessThan(1.03 * peak);
    expect(at(7)).toBeGreaterThan(1.03 * peak); // probing: +4%
    expect(at(10)).toBeGreaterThan(1.3 * peak); // +35%
  });

  it('never grows past twice the measured rate (a caller sending slowly does not inflate it)', () => {
    const rates = new AdaptiveRates({ initialRate: 1 });
    successes(rates, 'k', 0, 60_000, 500); // 2/s for a minute
    expect(rates.rate('k')).toBeGreaterThanOrEqual(4);
    expect(rates.rate('k')).toBeLessThan(4.5);
    // After a pause, it starts again from twice what it measures.
    rates.onSuccess('k', 120_000);
    expect(rates.rate('k')).toBeLessThan(2.3);
  });

  it('forgets the least recently created key beyond DEFAULT_MAX_KEYS', () => {
    const rates = new AdaptiveRates({ initialRate: 3 });
    rates.onThrottle('first', 0);
    expect(rates.rate('first')).toBeCloseTo(2.7);
    for (let i = 0; i < 10_000; i++) rates.onSuccess(`k${i}`, 0);
    expect(rates.rate('first')).toBe(3);
  });

  it('adaptive alone is a limit; bad adaptive options are refused', () => {
    expect(createRateLimiter({ adaptive: true }).size).toBe(0);
    expect(() => createRateLimiter({ adaptive: { initialRate: 0 } })).toThrow(
      RateLimitOptionsError,
    );
    expect(() => createRateLimiter({ adaptive: { decrease: 1 } })).toThrow(/adaptive.decrease/);
    expect(() => createRateLimiter({ adaptive: 'yes' as never })).toThrow(/adaptive/);
  });
});

describe('adaptive mode against a loopback provider with an unadvertised 50/s', () => {
  let provider: Awaited<ReturnType<typeof rollingWindowProvider>>;
  beforeAll(async () => {
    provider = await rollingWindowProvider(50, 1000);
  });
  afterAll(async () => {
    await provider.close();
  });

  it('after the first 10 s, runs at >= 90% of the limit with <= 2% of requests rejected (17 s, real time)', async () => {
    const limiter = createRateLimiter({ adaptive: { initialRate: 10 }, concurrency: 8 });
    const t0 = performance.now();
    const late = { ok: 0, rejected: 0 };
    const one = async (): Promise<void> => {
      while (performance.now() - t0 < 17_000) {
        await limiter.schedule(async ({ signal }) => {
          const response = await fetch(provider.url, { signal });
          await response.arrayBuffer();
          limiter.observe(response, { key: 'default' });
          const at = performance.now() - t0;
          if (at >= 10_000 && at < 17_000) {
            if (response.status === 429) late.rejected++;
            else late.ok++;
          }
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, one));
    const rate = late.ok / 7;
    expect(rate).toBeGreaterThanOrEqual(45);
    expect(late.rejected / (late.ok + late.rejected)).toBeLessThanOrEqual(0.02);
  }, 25_000);
});
