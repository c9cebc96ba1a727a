import { manualClock } from '@brace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry, OTHER_TEMPLATE, TelemetryOptionError } from './index.js';
import { counterSum, otelSdk } from './test-utils/otel.js';
import type { TelemetryEvent, TelemetryOptions } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function make(options: Partial<TelemetryOptions> = {}) {
  const clock = manualClock({ now: 1_000_000 });
  const events: TelemetryEvent[] = [];
  const telemetry = createTelemetry({
    integration: 'acme',
    template: ['/users/{id}', 'POST /users', '/files/{path+}'],
    logger: (event) => events.push(event),
    clock,
    requestId: { generate: () => 'gen-id' },
    ...options,
  });
  return { clock, events, telemetry };
}

describe('createTelemetry: events', () => {
  it('emits one event per attempt and one per call, with durations from the clock', async () => {
    const { clock, events, telemetry } = make();
    const call = telemetry.start({ method: 'get', url: 'https://api.acme.test/users/42?x=1' });
    expect(call.template).toBe('/users/{id}');
    expect(call.requestId).toBe('gen-id');
    const first = call.attempt();
    await clock.advance(120);
    first.end({
      status: 503,
      headers: { 'x-ratelimit-remaining': '9', 'x-ratelimit-limit': '100' },
    });
    await clock.advance(30);
    const second = call.attempt();
    expect(second.number).toBe(2);
    await clock.advance(50);
    second.end({
      status: 200,
      headers: { 'idempotent-replayed': 'true', 'cache-status': 'edge; hit' },
    });
    call.end();
    call.end(); // only the first end counts
    expect(call.attempts).toBe(2);
    expect(events).toEqual([
      {
        kind: 'attempt',
        msg: 'GET /users/{id} attempt 1: 503',
        level: 'warn',
        at: 1_000_120,
        integration: 'acme',
        method: 'GET',
        urlTemplate: '/users/{id}',
        serverAddress: 'api.acme.test',
        requestId: 'gen-id',
        durationMs: 120,
        status: 503,
        errorType: '503',
        rateLimitRemaining: 9,
        rateLimitLimit: 100,
        replayed: false,
        cached: false,
        attempt: 1,
      },
      expect.objectContaining({
        kind: 'attempt',
        attempt: 2,
        durationMs: 50,
        status: 200,
        level: 'debug',
        replayed: true,
        cached: true,
      }),
      expect.objectContaining({
        kind: 'call',
        attempts: 2,
        durationMs: 200,
        status: 200,
        ok: true,
        level: 'info',
        replayed: true,
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('/users/42');
    expect(telemetry.stats()).toMatchObject({
      calls: 1,
      errors: 0,
      attempts: 2,
      retries: 1,
      rateLimit: { remaining: 9, limit: 100, headroom: 0.09 },
    });
  });

  it('reads the request id from the request, and ignores an unsafe one', () => {
    const { telemetry } = make();
    expect(
      telemetry.start({
        method: 'GET',
        url: 'https://a.test/users/1',
        headers: { 'X-Request-Id': 'abc-1' },
      }).requestId,
    ).toBe('abc-1');
    expect(
      telemetry.start({
        method: 'GET',
        url: 'https://a.test/users/1',
        headers: { 'x-request-id': 'has space' },
      }).requestId,
    ).toBe('gen-id');
    expect(telemetry.requestIdHeader).toBe('x-request-id');
    expect(telemetry.sendRequestId).toBe(false);
    const plain = createTelemetry({ integration: 'x' });
    expect(plain.start({ method: 'GET', url: new URL('https://a.test/') }).requestId).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('ends an open attempt with the call, and a call without attempts', () => {
    const { events, telemetry } = make();
    const call = telemetry.start({ method: 'DELETE', url: 'https://a.test/users/1' });
    const attempt = call.attempt();
    call.end({ error: Object.assign(new Error('secret message'), { name: 'AbortError' }) });
    attempt.end({ status: 200 }); // too late: no-op
    expect(
      events.map((event) => [event.kind, 'errorType' in event ? event.errorType : undefined]),
    ).toEqual([
      ['attempt', 'AbortError'],
      ['call', 'AbortError'],
    ]);
    const bare = telemetry.start({ method: 'GET', url: 'https://a.test/users/2' });
    bare.end();
    expect(events.at(-1)).toMatchObject({
      kind: 'call',
      attempts: 0,
      ok: true,
      msg: 'GET /users/{id}: done after 0 attempt(s)',
    });
    expect(JSON.stringify(events)).not.toContain('secret message');
  });

  it('starting a new attempt supersedes an open one', () => {
    const { events, telemetry } = make();
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/users/1' });
    call.attempt();
    call.attempt().end({ status: 204 });
    call.end();
    expect(events.map((event) => event.kind)).toEqual(['attempt', 'attempt', 'call']);
    expect(events[0]).toMatchObject({ errorType: 'Error', level: 'warn' });
  });

  it('classifies errors: codes, names, odd values; 4xx other than 408/429 are not integration errors', () => {
    const { events, telemetry } = make();
    const outcomes = [
      { error: Object.assign(new Error('x'), { code: 'ECONNRESET' }) },
      { error: { name: 'bad name with spaces' } },
      { error: 'a string' },
      { status: 404 },
      { status: 429 },
      { status: 408 },
    ];
    for (const outcome of outcomes) {
      const call = telemetry.start({ method: 'PROPFIND', url: 'https://a.test/users/1' });
      call.attempt().end(outcome);
      call.end();
    }
    const calls = events.filter((event) => event.kind === 'call');
    expect(calls.map((event) => [event.method, event.errorType, event.ok])).toEqual([
      ['_OTHER', 'ECONNRESET', false],
      ['_OTHER', '_OTHER', false],
      ['_OTHER', '_OTHER', false],
      ['_OTHER', '404', true],
      ['_OTHER', '429', false],
      ['_OTHER', '408', false],
    ]);
    expect(telemetry.stats()).toMatchObject({ calls: 6, errors: 5, rateLimited: 1 });
  });

  it('sends events to a pino-style logger by level, and survives throwing loggers and subscribers', () => {
    const seen: string[] = [];
    const logger = {
      debug: (event: TelemetryEvent) => seen.push(`debug:${event.kind}`),
      info: (event: TelemetryEvent) => seen.push(`info:${event.kind}`),
      warn: (event: TelemetryEvent) => seen.push(`warn:${event.kind}`),
      error: (event: TelemetryEvent) => seen.push(`error:${event.kind}`),
    };
    const { telemetry } = make({ logger });
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/users/1' });
    call.attempt().end({ status: 500 });
    call.end();
    expect(seen).toEqual(['warn:attempt', 'error:call']);

    const { telemetry: throwing } = make({
      logger: () => {
        throw new Error('logger down');
      },
    });
    const samples: string[] = [];
    throwing.subscribe(() => {
      throw new Error('subscriber down');
    });
    const unsubscribe = throwing.subscribe((sample) => samples.push(sample.kind));
    const other = throwing.start({ method: 'GET', url: 'https://a.test/users/1' });
    other.attempt().end({ status: 200 });
    other.end();
    unsubscribe();
    const third = throwing.start({ method: 'GET', url: 'https://a.test/users/1' });
    third.end();
    expect(samples).toEqual(['attempt', 'call']);
    expect(throwing.stats().calls).toBe(2);
  });

  it('honours isError and isCached', () => {
    const { events, telemetry } = make({ isError: (o) => o.status === 404, isCached: () => true });
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/users/1' });
    call.attempt().end({ status: 404, headers: {} });
    call.end();
    expect(events.at(-1)).toMatchObject({ ok: false, cached: true });
  });

  it('never throws into a request: unparsable URLs and throwing callbacks fall back', () => {
    const events: TelemetryEvent[] = [];
    const boom = () => {
      throw new Error('user callback');
    };
    const telemetry = createTelemetry({
      integration: 'x',
      logger: (event) => events.push(event),
      template: boom,
      isError: boom,
      isCached: boom,
      requestId: { generate: boom },
    });
    const call = telemetry.start({ method: 'GET', url: '/relative/path' });
    expect(call.template).toBe(OTHER_TEMPLATE);
    expect(call.requestId).toMatch(/^[0-9a-f-]{36}$/);
    call.attempt().end({ status: 503, headers: { 'cache-status': 'x; hit' } });
    call.end();
    expect(events.at(-1)).toMatchObject({
      kind: 'call',
      ok: false,
      cached: true,
      serverAddress: 'unknown.invalid',
    });
  });

  it('rejects bad options, naming the option', () => {
    expect(() => createTelemetry({ integration: '' })).toThrow(TelemetryOptionError);
    expect(() => createTelemetry({ integration: 'x'.repeat(129) })).toThrow(/integration/);
    try {
      createTelemetry({ integration: 'a', windowMs: 10 });
    } catch (error) {
      expect(error).toMatchObject({ code: 'TELEMETRY_INVALID_OPTION', option: 'windowMs' });
    }
    expect(() => createTelemetry({ integration: 'a', windowMs: 1.5e3 + 0.5 })).toThrow(/windowMs/);
    expect(() => createTelemetry({ integration: 'a', windowMs: 86_400_001 })).toThrow(/windowMs/);
  });
});

describe('createTelemetry: templates and cardinality', () => {
  it('counts unmatched paths as other, with one event per window saying so', async () => {
    const { clock, events, telemetry } = make();
    for (const path of ['/orders/1', '/orders/2', '/orders/3']) {
      telemetry.start({ method: 'GET', url: `https://a.test${path}` }).end();
    }
    const unmatched = events.filter((event) => event.kind === 'unmatched-template');
    expect(unmatched).toEqual([
      expect.objectContaining({ count: 1, level: 'warn', method: 'GET' }),
    ]);
    await clock.advance(60_000);
    telemetry.start({ method: 'GET', url: 'https://a.test/orders/4' }).end();
    expect(events.filter((event) => event.kind === 'unmatched-template').at(-1)).toMatchObject({
      count: 3,
    });
    expect(
      events
        .filter((event) => event.kind === 'call')
        .every((event) => event.urlTemplate === OTHER_TEMPLATE),
    ).toBe(true);
  });

  it('without declared templates everything is other, silently', () => {
    const events: TelemetryEvent[] = [];
    const telemetry = createTelemetry({ integration: 'x', logger: (event) => events.push(event) });
    const call = telemetry.start({ method: 'GET', url: 'https://a.test/users/1' });
    call.end();
    expect(call.template).toBe(OTHER_TEMPLATE);
    expect(events.map((event) => event.kind)).toEqual(['call']);
  });

  it('10,000 distinct ids in paths produce no more metric series than declared templates (+ other)', async () => {
    const sdk = otelSdk();
    cleanups.push(sdk.shutdown);
    const { telemetry } = make({ meter: sdk.meter, tracer: sdk.tracer, logger: undefined });
    for (let i = 0; i < 10_000; i++) {
      const path = i % 3 === 0 ? `/users/${i}` : i % 3 === 1 ? `/files/a/${i}/b` : `/orders/${i}`;
      const call = telemetry.start({ method: 'GET', url: `https://api.acme.test${path}` });
      call.attempt().end({ status: 200 });
      call.end();
    }
    const metrics = await sdk.metrics();
    for (const name of ['http.client.request.duration', 'brace.client.operation.duration']) {
      const templates = new Set(
        metrics.get(name)?.dataPoints.map((point) => point.attributes['url.template']),
      );
      expect(templates).toEqual(new Set(['/users/{id}', '/files/{path+}', OTHER_TEMPLATE]));
      expect(metrics.get(name)?.dataPoints).toHaveLength(3);
    }
    expect(counterSum(metrics.get('brace.client.unmatched_templates'))).toBe(3333);
    const spanNames = new Set(sdk.spans().map((span) => span.name));
    expect(spanNames).toEqual(new Set(['GET /users/{id}', 'GET /files/{path+}', 'GET other']));
  });
});
