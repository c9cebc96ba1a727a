import { manualClock } from '@brace/core';
import { deletePrefix } from 'brace-redis-prefix';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTelemetry, RELATIVE_ACCURACY } from './index.js';
import { redisFleet } from './redis.js';

const url = process.env.REDIS_URL;
if (!url && process.env.CI === 'true') throw new Error('REDIS_URL must be set under CI');
if (!url)
  console.warn('REDIS_URL is not set: skipping the @brace/telemetry/redis tests against Redis');

const prefix = `brace-test:telemetry:${process.pid}:${Date.now()}:`;
const clients: Redis[] = [];
function client(): Redis {
  const redis = new Redis(url as string, { lazyConnect: false, maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
}

afterAll(async () => {
  if (!url) return;
  const redis = clients[0] ?? new Redis(url);
  await deletePrefix(redis, prefix);
  for (const c of clients) c.disconnect();
  if (!clients.includes(redis)) redis.disconnect();
});

function instance(redis: Parameters<typeof redisFleet>[0]['client'], now: number) {
  const clock = manualClock({ now });
  const telemetry = createTelemetry({ integration: 'stripe', clock, thresholds: { minCalls: 10 } });
  const fleet = redisFleet({ telemetry, client: redis, prefix, clock, flushIntervalMs: 0 });
  return { clock, telemetry, fleet };
}

function record(
  telemetry: ReturnType<typeof createTelemetry>,
  clock: ReturnType<typeof manualClock>,
  durationMs: number,
  status: number,
) {
  const call = telemetry.start({ method: 'GET', url: 'https://api.stripe.test/v1/x' });
  const attempt = call.attempt();
  clock.advanceTo(clock.now() + durationMs);
  attempt.end({ status });
  call.end();
}

describe.skipIf(!url)('redisFleet (real Redis, two instances with separate clients)', () => {
  it('health() on either instance reflects the whole fleet: counts add up, p95 within 1% of the exact merged value', async () => {
    const now = 1_700_000_000_000;
    const a = instance(client(), now);
    const b = instance(client(), now);
    const durations: number[] = [];
    // Instance A: 90 healthy calls; instance B: 10 slow failures.
    for (let i = 0; i < 90; i++) {
      const d = 20 + i;
      durations.push(d);
      record(a.telemetry, a.clock, d, 200);
    }
    for (let i = 0; i < 10; i++) {
      const d = 3000 + i * 100;
      durations.push(d);
      record(b.telemetry, b.clock, d, 503);
    }
    // The instances' clocks agree, as real hosts' do.
    const end = Math.max(a.clock.now(), b.clock.now());
    await a.clock.advanceTo(end);
    await b.clock.advanceTo(end);
    // Locally, A sees no errors at all.
    expect(a.telemetry.health().status).toBe('ok');
    await a.fleet.flush();
    await b.fleet.flush();
    for (const side of [a, b]) {
      const stats = await side.fleet.stats();
      expect(stats).toMatchObject({
        calls: 100,
        errors: 10,
        errorRate: 0.1,
        attempts: 100,
        retries: 0,
      });
      durations.sort((x, y) => x - y);
      const exact = durations[Math.floor(0.95 * 99)] as number;
      const p95 = stats.latencyMs.p95 as number;
      expect(Math.abs(p95 - exact)).toBeLessThanOrEqual(RELATIVE_ACCURACY * exact * (1 + 1e-9));
      const health = await side.fleet.health();
      expect(health.status).toBe('degraded');
      expect(health.reasons.map((reason) => reason.code)).toEqual(['error-rate', 'latency-p95']);
    }
    await a.fleet.close();
    await b.fleet.close();
  });

  it('slides: slices older than the window are not counted; a node-redis client fits too', async () => {
    const redis = createClient({ url: url as string });
    await redis.connect();
    try {
      const now = 1_800_000_000_000;
      const a = instance(redis, now);
      record(a.telemetry, a.clock, 10, 200);
      const retried = a.telemetry.start({ method: 'GET', url: 'https://api.stripe.test/v1/x' });
      retried.attempt().end({ status: 429 });
      retried.attempt().end({ status: 200 });
      retried.end();
      expect(await a.fleet.stats()).toMatchObject({
        calls: 2,
        attempts: 3,
        retries: 1,
        rateLimited: 1,
      });
      await a.clock.advance(70_000);
      expect((await a.fleet.stats()).calls).toBe(0);
      await a.fleet.close();
    } finally {
      await redis.quit();
    }
  });

  it('keeps figures it could not push and pushes them later; reports the error', async () => {
    const errors: unknown[] = [];
    const real = client();
    let failing = true;
    const flaky = (script: string, keys: string[], args: string[]) =>
      failing
        ? Promise.reject(new Error('redis down'))
        : real.eval(script, keys.length, ...keys, ...args);
    const clock = manualClock({ now: 1_900_000_000_000 });
    const telemetry = createTelemetry({ integration: 'flaky', clock });
    const fleet = redisFleet({
      telemetry,
      client: flaky,
      prefix,
      clock,
      flushIntervalMs: 0,
      onError: (e) => errors.push(e),
    });
    record(telemetry, clock, 5, 200);
    await fleet.flush();
    expect(errors).toHaveLength(1);
    failing = false;
    expect((await fleet.stats()).calls).toBe(1);
    await fleet.close();
  });
});

describe('redisFleet options', () => {
  it('rejects a client it cannot use and a bad interval', () => {
    const telemetry = createTelemetry({ integration: 'x' });
    expect(() => redisFleet({ telemetry, client: {} as never })).toThrow(/client/);
    expect(() => redisFleet({ telemetry, client: async () => [], flushIntervalMs: -1 })).toThrow(
      /flushIntervalMs/,
    );
  });

  it('flushes on a timer and survives a throwing onError', async () => {
    const calls: string[][] = [];
    const telemetry = createTelemetry({ integration: 'timer' });
    const fleet = redisFleet({
      telemetry,
      client: async (_script, keys) => {
        calls.push(keys);
        throw new Error('nope');
      },
      flushIntervalMs: 5,
      onError: () => {
        throw new Error('callback down');
      },
    });
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/' });
    call.end();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await fleet.close();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]?.[0]).toMatch(/^brace:telemetry:\{timer\}:60000:\d+$/);
  });

  it("when Redis cannot be read, stats() and health() answer this instance's figures and onError hears it", async () => {
    const errors: unknown[] = [];
    const clock = manualClock({ now: 1_900_000_000_000 });
    const telemetry = createTelemetry({ integration: 'down', clock });
    const fleet = redisFleet({
      telemetry,
      client: async () => {
        throw new Error('redis down');
      },
      clock,
      flushIntervalMs: 0,
      onError: (e) => errors.push(e),
    });
    record(telemetry, clock, 5, 200);
    const stats = await fleet.stats();
    expect(stats.calls).toBe(1);
    expect(stats).toEqual(telemetry.stats());
    expect((await fleet.health()).status).toBe('ok');
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'redis down', // push
      'redis down', // read
      'redis down',
      'redis down',
    ]);
    await fleet.close();
  });
});
