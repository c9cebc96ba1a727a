import type { Clock } from '@brace/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RELATIVE_ACCURACY, RollingWindow, SKETCH_BIN_LIMIT, WINDOW_SLICES } from './rolling.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fixedClock(start = 0): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: () => Promise.resolve(),
  };
  return clock;
}

describe('RollingWindow', () => {
  it('p50/p95/p99 are within the documented relative error of the exact values on 100,000 heavy-tailed samples', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 1.05, max: 3, noNaN: true }),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
        (seed, alpha, scale) => {
          const random = mulberry32(seed);
          const window = new RollingWindow(60_000, fixedClock(0));
          const samples = new Float64Array(100_000);
          for (let i = 0; i < samples.length; i++) {
            // Pareto(scale, alpha): heavy-tailed, like real latencies.
            const value = scale / (1 - random()) ** (1 / alpha);
            samples[i] = value;
            window.recordCall(value, false);
          }
          samples.sort();
          const { sketch } = window.snapshot();
          expect(sketch.count).toBe(100_000);
          for (const q of [0.5, 0.95, 0.99]) {
            const exact = samples[Math.floor(q * (samples.length - 1))] as number;
            const estimate = sketch.getValueAtQuantile(q);
            expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
              RELATIVE_ACCURACY * exact * (1 + 1e-9),
            );
          }
        },
      ),
      { numRuns: 5, seed: 20261207 },
    );
  });

  it('keeps constant memory: 1,000,000 calls over many windows never grow the structure past its bound', () => {
    const clock = fixedClock(0);
    const window = new RollingWindow(60_000, clock);
    const random = mulberry32(42);
    const bound = WINDOW_SLICES * (SKETCH_BIN_LIMIT + 128);
    let maxBins = 0;
    let binsAt100k = 0;
    for (let i = 1; i <= 1_000_000; i++) {
      clock.t += 1; // 1 ms per call: 1,000 s, ~17 windows
      // Durations spread over 12 orders of magnitude, the worst case for a log-binned sketch.
      window.recordCall(10 ** (random() * 12 - 3), random() < 0.01);
      window.recordAttempt(false, false);
      if (i % 10_000 === 0) {
        const { slices, bins } = window.size();
        expect(slices).toBe(WINDOW_SLICES);
        maxBins = Math.max(maxBins, bins);
        if (i === 100_000) binsAt100k = bins;
      }
    }
    expect(maxBins).toBeLessThanOrEqual(bound);
    // The structure is already at its working size after 100k calls; 10x more calls add nothing.
    expect(window.size().bins).toBeLessThanOrEqual(binsAt100k);
    const snapshot = window.snapshot();
    // Only the live window (5 full slices + the current one) is counted.
    expect(snapshot.calls).toBeLessThanOrEqual(60_000);
    expect(snapshot.calls).toBeGreaterThanOrEqual(50_000);
  });

  it('slides: calls older than the window drop out, slice by slice', () => {
    const clock = fixedClock(1_000_000);
    const window = new RollingWindow(60_000, clock);
    window.recordCall(10, true);
    clock.t += 30_000;
    window.recordCall(20, false);
    expect(window.snapshot()).toMatchObject({ calls: 2, errors: 1 });
    clock.t += 40_000;
    expect(window.snapshot()).toMatchObject({ calls: 1, errors: 0 });
    clock.t += 60_000;
    expect(window.snapshot().calls).toBe(0);
    window.recordCall(-5, false); // negative durations count as 0
    expect(window.snapshot().sketch.getValueAtQuantile(0.5)).toBe(0);
    expect(window.sliceMs).toBe(10_000);
  });
});
