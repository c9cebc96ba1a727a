// Metric series are bounded by host too: declared hosts (or the first `maxHosts`) keep their
// names as `server.address`, every other host is counted as `other`. Real OpenTelemetry SDK with
// in-memory exporters.
import { manualClock } from '@brace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AttributeCache } from './attributes.js';
import {
  createTelemetry,
  DEFAULT_MAX_HOSTS,
  OTHER_HOST,
  type TelemetryEvent,
  TelemetryOptionError,
} from './index.js';
import { requestIdGenerator } from './request-id.js';
import { otelSdk } from './test-utils/otel.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const SERIES_METRICS = ['http.client.request.duration', 'brace.client.operation.duration'];

async function run(options: { hosts?: string[]; maxHosts?: number }, hostCount: number) {
  const sdk = otelSdk();
  cleanups.push(sdk.shutdown);
  const clock = manualClock({ now: 1_000_000 });
  const events: TelemetryEvent[] = [];
  const telemetry = createTelemetry({
    integration: 'many',
    template: ['/users/{id}'],
    meter: sdk.meter,
    tracer: sdk.tracer,
    logger: (event) => events.push(event),
    clock,
    ...options,
  });
  for (let i = 0; i < 2_000; i++) {
    const host = `h${i % hostCount}.example.test`;
    const call = telemetry.start({ method: 'GET', url: `https://${host}/users/${i}` });
    call.attempt().end({ status: 200 });
    call.end();
  }
  const metrics = await sdk.metrics();
  return { sdk, events, metrics, clock, telemetry };
}

function addresses(metrics: Awaited<ReturnType<typeof run>>['metrics'], name: string) {
  return new Set(metrics.get(name)?.dataPoints.map((p) => p.attributes['server.address']));
}

describe('server.address cardinality', () => {
  it(`without declared hosts, 500 hosts make at most DEFAULT_MAX_HOSTS + 1 series; the rest are "${OTHER_HOST}"`, async () => {
    const { metrics, events, sdk } = await run({}, 500);
    for (const name of SERIES_METRICS) {
      const seen = addresses(metrics, name);
      expect(seen.size).toBe(DEFAULT_MAX_HOSTS + 1);
      expect(seen.has(OTHER_HOST)).toBe(true);
      expect(metrics.get(name)?.dataPoints).toHaveLength(DEFAULT_MAX_HOSTS + 1);
      const other = metrics
        .get(name)
        ?.dataPoints.find((p) => p.attributes['server.address'] === OTHER_HOST);
      expect(other?.attributes['server.port']).toBeUndefined();
    }
    // One event (the first overflow) within the window, with the count so far.
    const notices = events.filter((e) => e.kind === 'unmatched-host');
    expect(notices).toEqual([expect.objectContaining({ count: 1, level: 'warn' })]);
    // Logs and spans keep the real host.
    const calls = events.filter((e) => e.kind === 'call');
    expect(new Set(calls.map((e) => e.serverAddress)).size).toBe(500);
    const spanHosts = new Set(sdk.spans().map((s) => s.attributes['server.address']));
    expect(spanHosts.size).toBe(500);
    expect(spanHosts.has(OTHER_HOST)).toBe(false);
  });

  it('declared hosts keep their names (case-insensitive); every other host is other', async () => {
    const { metrics, events, clock, telemetry } = await run(
      { hosts: ['H1.example.test', 'h2.example.test'] },
      50,
    );
    for (const name of SERIES_METRICS) {
      expect(addresses(metrics, name)).toEqual(
        new Set(['h1.example.test', 'h2.example.test', OTHER_HOST]),
      );
    }
    expect(events.filter((e) => e.kind === 'unmatched-host')).toHaveLength(1);
    await clock.advance(60_000);
    telemetry.start({ method: 'GET', url: 'https://elsewhere.test/users/1' }).end();
    expect(events.filter((e) => e.kind === 'unmatched-host').at(-1)).toMatchObject({
      // 1,920 calls went to undeclared hosts; the first was in the first notice: 1,919 since,
      // and this one.
      count: 1920,
    });
  });

  it('maxHosts sets the cap; host and port count as one', async () => {
    const { metrics } = await run({ maxHosts: 3 }, 10);
    expect(addresses(metrics, SERIES_METRICS[0] as string).size).toBe(4);
    const cache = new AttributeCache('x', undefined, 1, () => {});
    const a = cache.base({ method: 'GET', hostname: 'a.test', port: 443, template: 't' });
    const b = cache.base({ method: 'GET', hostname: 'a.test', port: 8443, template: 't' });
    expect(a['server.address']).toBe('a.test');
    expect(b['server.address']).toBe(OTHER_HOST);
    expect(cache.base({ method: 'GET', hostname: 'a.test', port: 443, template: 't' })).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    const ok = cache.outcome(a, 200, undefined);
    expect(cache.outcome(a, 200, undefined)).toBe(ok);
    expect(ok).toMatchObject({ 'http.response.status_code': 200, 'server.address': 'a.test' });
    expect(cache.outcome(a, undefined, undefined)).toBe(a);
    expect(cache.outcome(a, undefined, 'TypeError')['error.type']).toBe('TypeError');
  });

  it('rejects bad hosts and maxHosts options', () => {
    expect(() => createTelemetry({ integration: 'x', maxHosts: 0 })).toThrow(TelemetryOptionError);
    expect(() => createTelemetry({ integration: 'x', maxHosts: 1.5 })).toThrow(/maxHosts/);
    expect(() => createTelemetry({ integration: 'x', hosts: [''] })).toThrow(/hosts/);
    expect(() =>
      createTelemetry({ integration: 'x', hosts: 'a.test' as unknown as string[] }),
    ).toThrow(/hosts/);
  });
});

describe('request ids', () => {
  it('are UUID v4-shaped and unique across blocks', () => {
    const next = requestIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const id = next();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(2_000);
  });

  it('are generated only when read', () => {
    let made = 0;
    const telemetry = createTelemetry({
      integration: 'x',
      requestId: {
        generate: () => {
          made++;
          return `id-${made}`;
        },
      },
    });
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/' });
    call.attempt().end({ status: 200 });
    call.end();
    expect(made).toBe(0);
    expect(call.requestId).toBe('id-1');
    expect(call.requestId).toBe('id-1');
    expect(made).toBe(1);
  });
});
