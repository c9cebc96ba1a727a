import { manualClock } from '@brace/core';
import { createRateLimiter } from '@brace/rate-limit';
import { describe, expect, it } from 'vitest';
import { type AnyIntegrationEvent, createEmitter } from './events.js';
import { buildLimiter } from './limiter.js';

function setup(option?: Parameters<typeof buildLimiter>[0]) {
  const emitter = createEmitter();
  const events: AnyIntegrationEvent[] = [];
  emitter.on('*', (e) => events.push(e));
  const clock = manualClock({ now: Date.UTC(2026, 0, 1) });
  const limiter = buildLimiter(option, undefined, undefined, clock, 'acme', emitter.emit);
  return { limiter, events, clock };
}

describe("the integration's limiter reports what the limiter decided", () => {
  it('is off with false, and yours is used as given (its events are yours)', () => {
    expect(setup(false).limiter).toBeUndefined();
    const mine = createRateLimiter({ concurrency: 1 });
    expect(setup(mine).limiter).toBe(mine);
  });

  it('a pause outside a response (limiter.pause) is reported as the limiter names it', () => {
    const heard: string[] = [];
    const { limiter, events } = setup({ onPause: (e) => heard.push(e.reason) });
    limiter?.pause('api.example.com', 500, 'server-remaining');
    expect(events).toEqual([
      {
        type: 'pause',
        integration: 'acme',
        key: 'api.example.com',
        durationMs: 500,
        reason: 'server-remaining',
      },
    ]);
    expect(heard).toEqual(['server-remaining']); // your own callback still runs
  });

  it('remaining spread over the reset is a server-pace with its spacing; nothing said, nothing reported', () => {
    const { limiter, events } = setup();
    const paced = new Response(null, {
      headers: { 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '2' },
    });
    const result = limiter?.observe(paced, { key: 'h' });
    expect(result).toMatchObject({ reason: 'server-pace', spacingMs: 500 });
    expect(events).toEqual([
      {
        type: 'pause',
        integration: 'acme',
        key: 'h',
        durationMs: 2000,
        reason: 'server-pace',
        spacingMs: 500,
      },
    ]);
    events.length = 0;
    expect(limiter?.observe(new Response(null), { key: 'h' })).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('a bare 429 is one backoff event per answer; your onPause hears the limiter as it is', () => {
    const heard: string[] = [];
    const { limiter, events } = setup({
      onPause: (e) => heard.push(`${e.reason} ${e.durationMs}`),
    });
    limiter?.observe(new Response(null, { status: 429 }), { key: 'h' });
    limiter?.observe(new Response(null, { status: 429, headers: { 'retry-after': '9' } }), {
      key: 'h',
    });
    expect(events.map((e) => e.type === 'pause' && [e.reason, e.durationMs])).toEqual([
      ['backoff', 1000],
      ['retry-after', 9000],
    ]);
    expect(heard).toEqual(['retry-after 1000', 'retry-after 9000']);
  });

  it('reports throttles, and a throwing observe leaves later pauses reported at once', async () => {
    const throttled: number[] = [];
    const { limiter, events } = setup({
      policies: [{ limit: 1, intervalMs: 1000 }],
      pacing: 'burst', // smooth pacing spaces starts without a throttle event
      safetyMarginMs: 0,
      onThrottled: (e) => throttled.push(e.waitMs),
    });
    await limiter?.schedule(() => undefined, { key: 'k' });
    const second = limiter?.schedule(() => undefined, { key: 'k' }).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    expect(throttled).toEqual([1001]); // the log frees its slot 1 ms past the window
    expect(events).toContainEqual({
      type: 'throttled',
      integration: 'acme',
      key: 'k',
      waitMs: 1001,
      reason: 'policy',
    });
    limiter?.clear();
    expect(await second).toMatchObject({ code: 'RATE_LIMIT_CLEARED' });
    expect(() => limiter?.observe(null as unknown as Response)).toThrow();
    events.length = 0;
    limiter?.pause('z', 100);
    expect(events).toMatchObject([{ type: 'pause', key: 'z', durationMs: 100 }]);
  });
});
