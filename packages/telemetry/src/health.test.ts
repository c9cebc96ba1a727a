import { manualClock } from '@brace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry, DEFAULT_THRESHOLDS, evaluateHealth } from './index.js';
import { counterSum, otelSdk } from './test-utils/otel.js';
import type { TelemetryStats } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function stats(overrides: Partial<TelemetryStats> = {}): TelemetryStats {
  return {
    integration: 'acme',
    windowMs: 60_000,
    calls: 100,
    errors: 0,
    errorRate: 0,
    attempts: 100,
    retries: 0,
    rateLimited: 0,
    latencyMs: { p50: 50, p95: 100, p99: 200, relativeAccuracy: 0.01 },
    ...overrides,
  };
}

describe('evaluateHealth', () => {
  it('is ok without reasons', () => {
    expect(evaluateHealth(stats())).toMatchObject({ status: 'ok', reasons: [] });
  });

  it('turns error rate, p95, breaker, headroom and credentials into reasons; the worst wins', () => {
    expect(evaluateHealth(stats({ errors: 6, errorRate: 0.06 }))).toMatchObject({
      status: 'degraded',
      reasons: [
        {
          code: 'error-rate',
          status: 'degraded',
          value: 0.06,
          threshold: 0.05,
          message: '6.0% of 100 calls failed in the last 60 s',
        },
      ],
    });
    expect(evaluateHealth(stats({ errorRate: 0.6 })).reasons[0]).toMatchObject({
      status: 'down',
      threshold: 0.5,
    });
    expect(
      evaluateHealth(stats({ latencyMs: { p50: 1, p95: 2500, p99: 3000, relativeAccuracy: 0.01 } }))
        .reasons,
    ).toEqual([
      {
        code: 'latency-p95',
        status: 'degraded',
        message: 'p95 latency is 2500 ms',
        value: 2500,
        threshold: 2000,
      },
    ]);
    expect(
      evaluateHealth(
        stats({ latencyMs: { p50: 1, p95: 2500, p99: 3000, relativeAccuracy: 0.01 } }),
        {
          p95Ms: { degraded: 500, down: 2000 },
        },
      ).reasons[0],
    ).toMatchObject({ status: 'down', threshold: 2000 });
    expect(evaluateHealth(stats({ breaker: 'open' }))).toMatchObject({
      status: 'down',
      reasons: [{ code: 'breaker-open' }],
    });
    expect(evaluateHealth(stats({ breaker: 'half-open' }))).toMatchObject({ status: 'degraded' });
    expect(evaluateHealth(stats({ breaker: 'closed' })).status).toBe('ok');
    expect(
      evaluateHealth(stats({ rateLimit: { remaining: 5, limit: 100, headroom: 0.05, at: 0 } })),
    ).toMatchObject({
      status: 'degraded',
      reasons: [
        {
          code: 'rate-limit-headroom',
          value: 0.05,
          threshold: 0.1,
          message: '5.0% of the rate limit is left',
        },
      ],
    });
    expect(
      evaluateHealth(stats({ rateLimit: { remaining: 0, limit: 100, headroom: 0, at: 0 } }), {
        headroom: { degraded: 0.2, down: 0.01 },
      }).reasons[0],
    ).toMatchObject({ status: 'down', threshold: 0.01 });
    expect(evaluateHealth(stats({ rateLimit: { remaining: 5, at: 0 } })).status).toBe('ok');
    const all = evaluateHealth(
      stats({ credentials: 'failing', errorRate: 0.1, breaker: 'half-open' }),
    );
    expect(all.status).toBe('down');
    expect(all.reasons.map((reason) => reason.code)).toEqual([
      'error-rate',
      'breaker-open',
      'credentials',
    ]);
  });

  it('does not judge rates below minCalls', () => {
    expect(evaluateHealth(stats({ calls: 3, errorRate: 1 })).status).toBe('ok');
    expect(evaluateHealth(stats({ calls: 3, errorRate: 1 }), { minCalls: 1 }).status).toBe('down');
    expect(
      evaluateHealth(
        stats({
          latencyMs: { p50: undefined, p95: undefined, p99: undefined, relativeAccuracy: 0.01 },
        }),
      ).status,
    ).toBe('ok');
    expect(DEFAULT_THRESHOLDS.minCalls).toBe(10);
  });
});

describe('telemetry.health(), watch() and listeners', () => {
  it('reads watched stats() sources structurally when asked', () => {
    const clock = manualClock({ now: 0 });
    const telemetry = createTelemetry({ integration: 'acme', clock });
    let queued = 4;
    let state = 'closed';
    const limiter = { stats: () => ({ queued, running: 1, keys: new Map() }) };
    const otherQueue = { stats: () => ({ queued: 1 }) };
    const breaker = { stats: () => ({ state }) };
    const tokens = { stats: () => ({ failing: true }) };
    const quota = { stats: () => ({ remaining: 2, limit: 100 }) };
    const broken = {
      stats: () => {
        throw new Error('boom');
      },
    };
    const odd = { stats: () => 42 };
    const unwatch = telemetry.watch(limiter);
    for (const source of [otherQueue, breaker, tokens, quota, broken, odd]) telemetry.watch(source);
    expect(telemetry.stats()).toMatchObject({
      queueDepth: 5,
      breaker: 'closed',
      credentials: 'failing',
      rateLimit: { remaining: 2, limit: 100, headroom: 0.02 },
    });
    queued = 0;
    state = 'open';
    const report = telemetry.health();
    expect(report.status).toBe('down');
    expect(report.reasons.map((reason) => reason.code)).toEqual([
      'breaker-open',
      'rate-limit-headroom',
      'credentials',
    ]);
    expect(report.stats.queueDepth).toBe(1);
    unwatch();
    expect(telemetry.stats().queueDepth).toBe(1);
    const creds = createTelemetry({ integration: 'b', clock });
    creds.watch({ stats: () => ({ credentials: 'ok' }) });
    expect(creds.stats().credentials).toBe('ok');
  });

  it('listeners feed breaker, queue and credentials state and count breaker transitions', async () => {
    const sdk = otelSdk();
    cleanups.push(sdk.shutdown);
    const telemetry = createTelemetry({ integration: 'acme', meter: sdk.meter });
    const { listeners } = telemetry;
    listeners.onStateChange({ from: 'closed', to: 'open' });
    listeners.onStateChange({ to: 'half-open' });
    listeners.onStateChange({ to: 'sideways' });
    listeners.onQueued({ queued: 3 });
    listeners.onThrottled({});
    listeners.onRetry({ attempt: 1 });
    listeners.onRefreshError({});
    expect(telemetry.stats()).toMatchObject({
      breaker: 'half-open',
      queueDepth: 3,
      credentials: 'failing',
    });
    listeners.onDispatch({ queued: 2 });
    listeners.onDispatch({});
    listeners.onQueued({});
    listeners.onRefresh({});
    expect(telemetry.stats()).toMatchObject({ queueDepth: 2, credentials: 'ok' });
    const metrics = await sdk.metrics();
    expect(counterSum(metrics.get('brace.client.breaker.transitions'))).toBe(2);
    const points = metrics
      .get('brace.client.breaker.transitions')
      ?.dataPoints.map((p) => p.attributes);
    expect(points).toContainEqual({
      'brace.integration': 'acme',
      'brace.breaker.from': 'unknown',
      'brace.breaker.to': 'half-open',
    });
    expect(metrics.get('brace.client.queue.depth')?.dataPoints[0]?.value).toBe(2);
  });

  it('rate-limit figures from responses become gauges and expire after the window', async () => {
    const sdk = otelSdk();
    cleanups.push(sdk.shutdown);
    const clock = manualClock({ now: 0 });
    const telemetry = createTelemetry({ integration: 'acme', meter: sdk.meter, clock });
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/x' });
    call.attempt().end({
      status: 429,
      headers: { 'ratelimit-policy': '"p";q=60;w=60', ratelimit: '"p";r=0;t=30' },
    });
    call.end();
    const metrics = await sdk.metrics();
    expect(metrics.get('brace.client.rate_limit.remaining')?.dataPoints[0]?.value).toBe(0);
    expect(metrics.get('brace.client.rate_limit.limit')?.dataPoints[0]?.value).toBe(60);
    expect(counterSum(metrics.get('brace.client.rate_limited'))).toBe(1);
    expect(telemetry.health().reasons).toEqual([
      expect.objectContaining({ code: 'rate-limit-headroom', value: 0 }),
    ]);
    // A later response with only `remaining` keeps the known limit.
    const next = telemetry.start({ method: 'GET', url: 'https://a.test/x' });
    next.attempt().end({
      status: 200,
      headers: { 'x-ratelimit-remaining': '30', 'idempotent-replayed': 'true' },
    });
    next.end();
    expect(telemetry.stats().rateLimit).toMatchObject({ remaining: 30, limit: 60, headroom: 0.5 });
    expect(counterSum((await sdk.metrics()).get('brace.client.idempotent_replays'))).toBe(1);
    // A watched source read after the response is newer, so it wins.
    const unwatch = telemetry.watch({ stats: () => ({ remaining: 7, limit: 10 }) });
    await clock.advance(1);
    expect(telemetry.stats().rateLimit).toMatchObject({ remaining: 7, limit: 10 });
    unwatch();
    await clock.advance(61_000);
    expect(telemetry.stats().rateLimit).toBeUndefined();
  });
});
