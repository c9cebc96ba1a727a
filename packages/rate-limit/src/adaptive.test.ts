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

describe('adaptive mode: learning an unadvertised limit', () => {
  it('converges to >= 90% of an unadvertised 50/s with <= 2% rejected after the first 10 s (manual clock)', async () => {
    const clock = manualClock();
    const provider = silentProvider(50);
    const limiter = createRateLimiter({ adaptive: true, concurrency: 16, clock });
    const END = 60_000;
    const after10 = { ok: 0, rejected: 0 };
    let stop!: () => void;
    const done = new Promise<void>((resolve) => (stop = resolve));
    const send = (): void => {
      if (clock.now() >= END) {
        stop();
        return;
      }
      void limiter
        .schedule(
          () => {
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
    const rate = after10.ok / 50; // per second over the 50 s after the first 10
    const rejected = after10.rejected / (after10.ok + after10.rejected);
    expect(rate).toBeGreaterThanOrEqual(45);
    expect(rejected).toBeLessThanOrEqual(0.02);
  });

  it('slow start doubles, a 429 cuts once per second, additive increase after', () => {
    const rates = new AdaptiveRates({ initialRate: 4, decrease: 0.5, minRate: 1, maxRate: 100 });
    expect(rates.rate('k')).toBe(4);
    for (let i = 0; i < 4; i++) rates.onSuccess('k');
    expect(rates.rate('k')).toBe(8);
    rates.onThrottle('k', 0);
    rates.onThrottle('k', 500); // same overshoot
    expect(rates.rate('k')).toBe(4);
    rates.onSuccess('k');
    expect(rates.rate('k')).toBe(4.25);
    for (let i = 0; i < 20; i++) rates.onThrottle('k', 1_000 * (i + 2));
    expect(rates.rate('k')).toBe(1);
    expect(rates.spacing('k')).toBe(1000);
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

  it('after 8 s of learning, the next 5 s run at >= 70% of the limit with <= 5% rejected (real time on a loaded host: the strict figures are the simulated test’s)', async () => {
    const limiter = createRateLimiter({ adaptive: { initialRate: 10 }, concurrency: 8 });
    const t0 = performance.now();
    const late = { ok: 0, rejected: 0 };
    const one = async (): Promise<void> => {
      while (performance.now() - t0 < 13_000) {
        await limiter.schedule(async ({ signal }) => {
          const response = await fetch(provider.url, { signal });
          await response.arrayBuffer();
          limiter.observe(response, { key: 'default' });
          if (performance.now() - t0 >= 8_000) {
            if (response.status === 429) late.rejected++;
            else late.ok++;
          }
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, one));
    const rate = late.ok / 5;
    expect(rate).toBeGreaterThanOrEqual(35);
    expect(late.rejected / (late.ok + late.rejected)).toBeLessThanOrEqual(0.05);
  }, 30_000);
});
