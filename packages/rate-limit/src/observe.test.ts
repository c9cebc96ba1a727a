import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create.js';
import type { PartitionContext, PauseEvent, ThrottledEvent } from './types.js';

/** Engine tests: exact windows, no pacing (the defaults' margin and pacing are tested in pacing.test.ts). */
const EXACT = { pacing: 'burst', safetyMarginMs: 0 } as const;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function response(
  status: number,
  headers: Record<string, string>,
  url = 'https://api.example.com/v1/x',
) {
  const r = new Response(null, { status, headers });
  Object.defineProperty(r, 'url', { value: url });
  return r;
}

describe('limiter.observe', () => {
  it('a 429 with Retry-After pauses the whole partition: every queued request waits', async () => {
    const clock = manualClock({ now: 1_000_000 });
    const throttled: ThrottledEvent[] = [];
    const pauses: PauseEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: 1,
      clock,
      onThrottled: (e) => throttled.push(e),
      onPause: (e) => pauses.push(e),
    });
    const key = 'api.example.com';
    const starts: number[] = [];
    const release = await limiter.acquire({ key });
    const queued = Array.from({ length: 3 }, () =>
      limiter.schedule(() => starts.push(clock.now()), { key }),
    );
    const other = limiter.schedule(() => 'other host', { key: 'other' });
    expect(limiter.observe(response(429, { 'retry-after': '2' }))).toEqual({
      key,
      durationMs: 2000,
      reason: 'retry-after',
    });
    release();
    await expect(other).resolves.toBe('other host');
    expect(starts).toEqual([]);
    expect(throttled[0]).toEqual({ key, waitMs: 2000, reason: 'retry-after', policyIndex: -1 });
    expect(pauses).toEqual([{ key, durationMs: 2000, reason: 'retry-after' }]);
    // A shorter pause never shortens the longer one.
    limiter.observe(response(503, { 'retry-after': '1' }));
    await clock.advance(1999);
    expect(starts).toEqual([]);
    await clock.advance(1);
    await tick();
    await Promise.all(queued);
    expect(starts).toEqual([1_002_000, 1_002_000, 1_002_000]);
  });

  it('remaining 0 pauses the partition until the reset, before a 429 is earned', async () => {
    const clock = manualClock();
    const throttled: ThrottledEvent[] = [];
    const limiter = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      clock,
      onThrottled: (e) => throttled.push(e),
    });
    const result = limiter.observe(
      response(200, {
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '5',
      }),
    );
    expect(result).toEqual({
      key: 'api.example.com',
      durationMs: 5000,
      reason: 'server-remaining',
    });
    let ran = false;
    const task = limiter.schedule(() => (ran = true), { key: 'api.example.com' });
    await tick();
    expect(ran).toBe(false);
    expect(throttled[0]).toMatchObject({ reason: 'server-remaining', waitMs: 5000 });
    await clock.advance(5000);
    await task;
    expect(ran).toBe(true);
  });

  it('ignores responses that ask for nothing, and Retry-After on other statuses', () => {
    const limiter = createRateLimiter({ ...EXACT, concurrency: Infinity, clock: manualClock() });
    expect(limiter.observe(response(200, {}))).toBeUndefined();
    expect(limiter.observe(response(301, { 'retry-after': '5' }))).toBeUndefined();
    // A bare 429 (or an unreadable Retry-After) backs off; remaining > 0 paces (server-pace.test.ts).
    expect(limiter.observe(response(429, {}))?.reason).toBe('backoff');
    expect(limiter.observe(response(429, { 'retry-after': 'soon' }))?.reason).toBe('backoff');
    expect(
      limiter.observe(
        response(200, {
          'ratelimit-limit': '10',
          'ratelimit-remaining': '3',
          'ratelimit-reset': '5',
        }),
      )?.reason,
    ).toBe('server-pace');
  });

  it('partitions: explicit key, bare headers, host, pk, a function; caps absurd pauses', () => {
    const seen: PartitionContext[] = [];
    const clock = manualClock();
    const byHost = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      clock,
      maxPauseMs: 60_000,
    });
    expect(byHost.observe(new Headers({ 'retry-after': '3' }))).toEqual({
      key: 'default',
      durationMs: 3000,
      reason: 'retry-after',
    });
    expect(byHost.observe({ 'Retry-After': '3' }, { key: 'tenant' })?.key).toBe('tenant');
    expect(byHost.observe(response(429, { 'retry-after': '3' }, ''))?.key).toBe('default');
    expect(byHost.observe(response(429, { 'retry-after': '99999' }))?.durationMs).toBe(60_000);
    const policy = {
      RateLimit: '"default";r=0;t=7;pk=:dXNlcjE=:',
      'RateLimit-Policy': '"default";q=100;w=60;pk=:dXNlcjE=:',
    };
    const byPk = createRateLimiter({ ...EXACT, concurrency: Infinity, clock, partition: 'pk' });
    const pk = byPk.observe(response(200, policy));
    expect(pk).toMatchObject({ durationMs: 7000, reason: 'server-remaining' });
    expect(pk?.key).not.toBe('api.example.com');
    expect(byPk.observe(response(429, { 'retry-after': '1' }))?.key).toBe('api.example.com');
    const byFn = createRateLimiter({
      ...EXACT,
      concurrency: Infinity,
      clock,
      partition: (context) => {
        seen.push(context);
        return context.url.includes('/v1/') ? 'v1' : undefined;
      },
    });
    expect(byFn.observe(response(429, { 'retry-after': '1' }))?.key).toBe('v1');
    expect(byFn.observe(response(429, { 'retry-after': '1' }, 'https://b.example/v2/'))?.key).toBe(
      'b.example',
    );
    expect(seen).toHaveLength(2);
  });
});
