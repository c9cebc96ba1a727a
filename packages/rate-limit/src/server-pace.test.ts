import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import {
  DEFAULT_BARE_429_PAUSE_MS,
  DEFAULT_SHOPIFY_LEAK_PER_SECOND,
  MAX_BARE_429_PAUSE_MS,
} from './observe.js';
import { runUntil } from './test-utils/helpers.js';
import type { ThrottledEvent } from './types.js';

function response(status: number, headers: Record<string, string>) {
  const r = new Response(null, { status, headers });
  Object.defineProperty(r, 'url', { value: 'https://api.example.com/v1/x' });
  return r;
}

/** A limiter with no local limit to speak of: what paces it is the server. */
function serverLed() {
  const clock = manualClock();
  const limiter = createRateLimiter({ policies: [{ limit: 1_000_000, intervalMs: 1000 }], clock });
  const starts: number[] = [];
  const run = (n: number) =>
    runUntil(
      clock,
      Promise.all(
        Array.from({ length: n }, () =>
          limiter.schedule(() => starts.push(clock.now()), { key: 'api.example.com' }),
        ),
      ),
    );
  return { clock, limiter, starts, run };
}

describe('slowing down before zero', () => {
  it('spreads what remains over the time to the reset instead of bursting to 0', async () => {
    const { limiter, starts, run } = serverLed();
    const result = limiter.observe(
      response(200, {
        'ratelimit-limit': '100',
        'ratelimit-remaining': '10',
        'ratelimit-reset': '5',
      }),
    );
    expect(result).toEqual({
      key: 'api.example.com',
      durationMs: 5000,
      reason: 'server-pace',
      spacingMs: 500,
    });
    await run(10);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(starts[0]).toBe(500);
    expect(starts[9]).toBeLessThanOrEqual(5000); // all ten fit before the reset
  });

  it('the pacing ends at the reset', async () => {
    const { clock, limiter, starts, run } = serverLed();
    limiter.observe(response(200, { 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': '1' }));
    await clock.advance(1_000);
    await run(5);
    // After the reset the server's spacing (500 ms) no longer applies: all five go at once.
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(5);
  });

  it(`Shopify (no reset): a bucket over half full is paced at its leak rate (${DEFAULT_SHOPIFY_LEAK_PER_SECOND}/s), a full one waits for a leak`, async () => {
    const { limiter, starts, run } = serverLed();
    expect(
      limiter.observe(response(200, { 'x-shopify-shop-api-call-limit': '10/40' })),
    ).toBeUndefined();
    const paced = limiter.observe(response(200, { 'x-shopify-shop-api-call-limit': '30/40' }));
    expect(paced).toEqual({
      key: 'api.example.com',
      durationMs: 5000,
      reason: 'server-pace',
      spacingMs: 500,
    });
    await run(4);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    const full = limiter.observe(response(200, { 'x-shopify-shop-api-call-limit': '40/40' }));
    expect(full).toEqual({ key: 'api.example.com', durationMs: 500, reason: 'server-remaining' });
    const plus = createRateLimiter({ concurrency: 1, shopifyLeakPerSecond: 20 });
    expect(
      plus.observe(response(200, { 'x-shopify-shop-api-call-limit': '40/40' }))?.durationMs,
    ).toBe(50);
    expect(() => createRateLimiter({ concurrency: 1, shopifyLeakPerSecond: 0 })).toThrow(
      /shopifyLeakPerSecond/,
    );
  });

  it('a bare 429 pauses the partition, doubling per 429 in a row; a success resets it', () => {
    const { limiter } = serverLed();
    const bare = () => limiter.observe(response(429, {}))?.durationMs;
    expect([bare(), bare(), bare()]).toEqual([
      DEFAULT_BARE_429_PAUSE_MS,
      DEFAULT_BARE_429_PAUSE_MS * 2,
      DEFAULT_BARE_429_PAUSE_MS * 4,
    ]);
    expect(limiter.observe(response(200, {}))).toBeUndefined();
    expect(bare()).toBe(DEFAULT_BARE_429_PAUSE_MS);
    for (let i = 0; i < 30; i++) bare();
    expect(bare()).toBe(MAX_BARE_429_PAUSE_MS);
  });

  it('a bare 429 holds queued tasks of that partition', async () => {
    const { clock, limiter, starts, run } = serverLed();
    limiter.observe(response(429, {}));
    await run(1);
    expect(starts).toEqual([DEFAULT_BARE_429_PAUSE_MS]);
    expect(clock.now()).toBe(DEFAULT_BARE_429_PAUSE_MS);
  });
});

describe('pacing waits are reported through onThrottled, with their reason', () => {
  it('server-pace: once per response that asks to slow down, with the spacing and how long', async () => {
    const clock = manualClock();
    const events: ThrottledEvent[] = [];
    const limiter = createRateLimiter({
      policies: [{ limit: 1_000_000, intervalMs: 1000 }],
      clock,
      onThrottled: (e) => events.push(e),
    });
    const headers = {
      'ratelimit-limit': '100',
      'ratelimit-remaining': '4',
      'ratelimit-reset': '2',
    };
    limiter.observe(response(200, headers));
    expect(events).toEqual([
      {
        key: 'api.example.com',
        waitMs: 500,
        reason: 'server-pace',
        policyIndex: -1,
        spacingMs: 500,
        durationMs: 2000,
      },
    ]);
    // A known key already held: the wait is until its next start.
    await runUntil(
      clock,
      limiter.schedule(() => 1, { key: 'api.example.com' }),
    );
    limiter.observe(response(200, { ...headers, 'ratelimit-remaining': '2' }));
    expect(events[1]).toMatchObject({ reason: 'server-pace', spacingMs: 1000, durationMs: 2000 });
    expect(events).toHaveLength(2);
  });

  it('adaptive: a 429 that cuts the rate reports the new spacing (once per cut)', () => {
    const clock = manualClock();
    const events: ThrottledEvent[] = [];
    const limiter = createRateLimiter({
      adaptive: { initialRate: 10 },
      clock,
      onThrottled: (e) => events.push(e),
    });
    limiter.observe(new Response(null, { status: 429 }), { key: 'k' });
    limiter.observe(new Response(null, { status: 429 }), { key: 'k' }); // the same overshoot
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ key: 'k', reason: 'adaptive', policyIndex: -1 });
    expect(events[0]?.spacingMs).toBeCloseTo(1000 / 9);
    expect(events[0]?.waitMs).toBe(events[0]?.spacingMs);
    // Without a listener nothing is emitted (and nothing breaks).
    const quiet = createRateLimiter({ adaptive: true, clock });
    expect(quiet.observe(new Response(null, { status: 429 }), { key: 'k' })).toMatchObject({
      reason: 'backoff',
    });
  });
});
