import { manualClock } from '@brace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import { DEFAULT_PACING, DEFAULT_SAFETY_MARGIN_MS } from './pacing.js';
import { maxInWindow, runUntil } from './test-utils/helpers.js';
import { rollingWindowProvider } from './test-utils/provider.js';

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

/** Arrivals at a provider counting a rolling window: how many it would have refused. */
function refusedByProvider(arrivals: number[], limit: number, windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const accepted: number[] = [];
  let head = 0;
  let refused = 0;
  for (const t of sorted) {
    while (head < accepted.length && (accepted[head] as number) <= t - windowMs) head++;
    if (accepted.length - head >= limit) refused++;
    else accepted.push(t);
  }
  return refused;
}

/** 1,000 tasks at `limit`/s on a manual clock; each arrives 0–40 ms after its start. */
async function simulate(options: { pacing?: 'smooth' | 'burst'; safetyMarginMs?: number }) {
  const clock = manualClock();
  const random = seeded(7);
  const limiter = createRateLimiter({
    policies: [{ limit: 50, intervalMs: 1000 }],
    concurrency: 8,
    clock,
    ...options,
  });
  const starts: number[] = [];
  const arrivals: number[] = [];
  const tasks = Array.from({ length: 1000 }, () =>
    limiter.schedule(() => {
      starts.push(clock.now());
      arrivals.push(clock.now() + random() * 40);
    }),
  );
  await runUntil(clock, Promise.all(tasks));
  return { starts, arrivals, elapsed: clock.now() };
}

describe('staying under the provider’s limit, really', () => {
  it('exports its defaults: smooth pacing and a 50 ms safety margin', () => {
    expect([DEFAULT_PACING, DEFAULT_SAFETY_MARGIN_MS]).toEqual(['smooth', 50]);
  });

  it('by default, starts are spaced evenly and the provider refuses none of 1,000 (arrival jitter 0–40 ms)', async () => {
    const { starts, arrivals, elapsed } = await simulate({});
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(21); // (1000 + 50) / 50
    expect(maxInWindow(starts, 1050)).toBeLessThanOrEqual(50);
    expect(refusedByProvider(arrivals, 50, 1000)).toBe(0);
    const rate = (1000 / elapsed) * 1000;
    expect(rate).toBeGreaterThanOrEqual(47); // 95% of the limit
  });

  it('bursting at exactly the limit (the old behaviour) earns refusals under the same jitter', async () => {
    const { starts, arrivals } = await simulate({ pacing: 'burst', safetyMarginMs: 0 });
    expect(maxInWindow(starts, 1000)).toBe(50); // strict by our clock...
    expect(refusedByProvider(arrivals, 50, 1000)).toBeGreaterThan(0); // ...not by the provider's
  });

  it('the margin alone (bursts) keeps the provider at its limit too; it is at most 10% of a window', async () => {
    const { arrivals } = await simulate({ pacing: 'burst' });
    expect(refusedByProvider(arrivals, 50, 1000)).toBe(0);
    const clock = manualClock();
    const short = createRateLimiter({ policies: [{ limit: 10, intervalMs: 100 }], clock });
    const starts: number[] = [];
    await runUntil(
      clock,
      Promise.all(Array.from({ length: 30 }, () => short.schedule(() => starts.push(clock.now())))),
    );
    expect(starts[29]).toBeLessThan(29 * 12); // ~11 ms apart: 10 per 110 ms, not per 150 ms
    expect(short.policies).toEqual([{ limit: 10, intervalMs: 100 }]);
  });

  it('paces a key whose local state was forgotten between tasks (one caller awaiting each call)', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ policies: [{ limit: 10, intervalMs: 1000 }], clock });
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await runUntil(
        clock,
        limiter.schedule(() => starts.push(clock.now()), { key: 'tenant' }),
      );
    }
    expect(starts).toEqual([0, 105, 210, 315, 420]);
  });

  it('does not pace below 1 ms per start (over 1,000 per second: the window alone applies)', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ policies: [{ limit: 5_000, intervalMs: 1000 }], clock });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, () => limiter.schedule(() => starts.push(clock.now()))),
    );
    expect(new Set(starts)).toEqual(new Set([0]));
  });

  it('rejects bad pacing options', () => {
    const policies = [{ limit: 1, intervalMs: 1000 }];
    expect(() => createRateLimiter({ policies, pacing: 'fast' as never })).toThrow(/pacing/);
    expect(() => createRateLimiter({ policies, safetyMarginMs: -1 })).toThrow(/safetyMarginMs/);
  });
});

describe('against a loopback provider counting a rolling window by arrival time', () => {
  let provider: Awaited<ReturnType<typeof rollingWindowProvider>>;
  beforeAll(async () => {
    provider = await rollingWindowProvider(100, 1000);
  });
  afterAll(async () => {
    await provider.close();
  });

  it('1,000 requests through a limiter configured at exactly its limit (100/s) earn 0 429s', async () => {
    const limiter = createRateLimiter({
      policies: [{ limit: 100, intervalMs: 1000 }],
      concurrency: 8,
    });
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, () =>
        limiter.schedule(async ({ signal }) => {
          const response = await fetch(provider.url, { signal });
          await response.arrayBuffer();
          return response.status;
        }),
      ),
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(0);
    expect(provider.stats).toMatchObject({ ok: 1000, rejected: 0 });
    expect(provider.stats.maxInWindow).toBeLessThanOrEqual(100);
  }, 40_000);
});
