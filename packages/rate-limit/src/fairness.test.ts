import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import { maxInWindow, runUntil } from './test-utils/helpers.js';

describe('fairness key separate from the limit key', () => {
  it('three tenants under one 10/s limit make 10 starts per second in total, not 30, served in turn', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ policies: [{ limit: 10, intervalMs: 1000 }], clock });
    const starts: Array<{ tenant: string; at: number }> = [];
    const all = ['a', 'b', 'c'].flatMap((tenant) =>
      Array.from({ length: 20 }, () =>
        limiter.schedule(() => starts.push({ tenant, at: clock.now() }), {
          key: 'provider',
          tenant,
        }),
      ),
    );
    await runUntil(clock, Promise.all(all));
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        1000,
      ),
    ).toBeLessThanOrEqual(10);
    // Round-robin: after the first (which ran at once), nine starts are three of each tenant.
    const firstNine = starts.slice(1, 10).map((s) => s.tenant);
    expect(['a', 'b', 'c'].map((t) => firstNine.filter((x) => x === t).length)).toEqual([3, 3, 3]);
  });

  it('a quiet tenant behind 1,000 queued tasks of a noisy one starts within one interval', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ policies: [{ limit: 10, intervalMs: 1000 }], clock });
    const noisy = Array.from({ length: 1000 }, () =>
      limiter.schedule(() => undefined, { key: 'provider', tenant: 'noisy' }),
    );
    let quietAt = -1;
    const quiet = limiter.schedule(() => (quietAt = clock.now()), {
      key: 'provider',
      tenant: 'quiet',
    });
    await runUntil(clock, quiet);
    expect(quietAt).toBeLessThanOrEqual(1000);
    limiter.clear();
    await Promise.allSettled(noisy);
  });

  it('weight(tenant) weights the round-robin across tenants of one key', async () => {
    const limiter = createRateLimiter({ concurrency: 1, weight: (k) => (k === 'heavy' ? 2 : 1) });
    const order: string[] = [];
    const all = [
      ...[1, 2, 3, 4].map(() =>
        limiter.schedule(() => order.push('h'), { key: 'k', tenant: 'heavy' }),
      ),
      ...[1, 2].map(() => limiter.schedule(() => order.push('l'), { key: 'k', tenant: 'light' })),
    ];
    await Promise.all(all);
    expect(order).toEqual(['h', 'h', 'h', 'l', 'h', 'l']); // the first ran at once; then 2:1
  });
});
