import { type FetchLike, PER_CALL_FETCH, wrapFetchHook } from '@brace/core';
import ky from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry } from './index.js';
import { telemetryHooks } from './ky.js';
import { counterSum, histogramCount, otelSdk } from './test-utils/otel.js';
import { loopback, sequence } from './test-utils/server.js';
import type { TelemetryEvent } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(statuses: number[], headers?: Record<string, string>) {
  const server = await loopback(sequence(statuses, headers));
  const sdk = otelSdk();
  cleanups.push(server.close, sdk.shutdown);
  const events: TelemetryEvent[] = [];
  const telemetry = createTelemetry({
    integration: 'acme',
    template: ['/users/{id}'],
    logger: (event) => events.push(event),
    tracer: sdk.tracer,
    meter: sdk.meter,
  });
  const api = ky.create({
    baseUrl: `${server.url}/`,
    retry: { limit: 2, delay: () => 0 },
    hooks: telemetryHooks(telemetry),
  });
  return { server, sdk, events, telemetry, api };
}

describe('telemetryHooks (ky)', () => {
  it('marks its per-call fetch, so a wrapFetchHook outside it wraps each call afresh and keeps nothing', async () => {
    const telemetry = createTelemetry({ integration: 'acme' });
    const hooks = telemetryHooks(telemetry);
    const seen: FetchLike[] = [];
    let wraps = 0;
    const outer = wrapFetchHook((next) => {
      wraps++;
      seen.push(next);
      return (input, init) => next(input, init);
    });
    const api = ky.create({
      fetch: async () => new Response('{}', { headers: { 'content-type': 'application/json' } }),
      hooks: { init: [...(hooks.init ?? []), outer], beforeError: hooks.beforeError ?? [] },
    });
    await api.get('https://api.test/a').json();
    await api.get('https://api.test/b').json();
    expect(wraps).toBe(2);
    expect(seen[0]).not.toBe(seen[1]);
    for (const fn of seen)
      expect((fn as { [PER_CALL_FETCH]?: boolean })[PER_CALL_FETCH]).toBe(true);
    expect(telemetry.stats().calls).toBe(2);
  });

  it('a call that succeeds on its third attempt: 1 operation span wrapping 3 attempt spans, 3 attempt samples, 1 operation sample', async () => {
    const { sdk, events, api, telemetry } = await setup([503, 503, 200]);
    const body = await api.get('users/42').json();
    expect(body).toEqual({ status: 200 });

    const spans = sdk.spans();
    const operations = spans.filter((span) => span.kind === 0);
    const attempts = spans.filter((span) => span.kind === 2);
    expect(operations).toHaveLength(1);
    expect(attempts).toHaveLength(3);
    const operation = operations[0];
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(operation?.spanContext().spanId);
      expect(attempt.spanContext().traceId).toBe(operation?.spanContext().traceId);
      expect(attempt.name).toBe('GET /users/{id}');
      expect(attempt.attributes['url.template']).toBe('/users/{id}');
    }
    expect(attempts.map((span) => span.attributes['http.request.resend_count'])).toEqual([
      undefined,
      1,
      2,
    ]);
    expect(attempts.map((span) => span.attributes['http.response.status_code'])).toEqual([
      503, 503, 200,
    ]);
    expect(attempts.map((span) => span.attributes['error.type'])).toEqual([
      '503',
      '503',
      undefined,
    ]);
    expect(attempts.map((span) => span.status.code)).toEqual([2, 2, 0]);
    expect(operation?.attributes['http.response.status_code']).toBe(200);
    expect(operation?.attributes['brace.attempts']).toBe(3);
    expect(operation?.attributes['error.type']).toBeUndefined();

    const metrics = await sdk.metrics();
    expect(histogramCount(metrics.get('http.client.request.duration'))).toBe(3);
    expect(histogramCount(metrics.get('brace.client.operation.duration'))).toBe(1);
    expect(counterSum(metrics.get('brace.client.retries'))).toBe(2);
    const duration = metrics.get('http.client.request.duration');
    expect(duration?.descriptor.unit).toBe('s');
    const attributes = duration?.dataPoints.map((point) => point.attributes) ?? [];
    expect(attributes).toContainEqual(
      expect.objectContaining({
        'url.template': '/users/{id}',
        'error.type': '503',
        'server.address': '127.0.0.1',
        'http.request.method': 'GET',
      }),
    );

    const kinds = events.map((event) => `${event.kind}${'attempt' in event ? event.attempt : ''}`);
    expect(kinds).toEqual(['attempt1', 'attempt2', 'attempt3', 'call']);
    const call = events.at(-1);
    expect(call).toMatchObject({
      kind: 'call',
      ok: true,
      attempts: 3,
      status: 200,
      urlTemplate: '/users/{id}',
    });
    expect(telemetry.stats()).toMatchObject({ calls: 1, attempts: 3, retries: 2, errors: 0 });
  });

  it('ends the call in beforeError when ky gives up, with the last status as error.type', async () => {
    const { sdk, events, api, telemetry } = await setup([503]);
    await expect(api.get('users/7')).rejects.toThrow();
    const operation = sdk.spans().find((span) => span.kind === 0);
    expect(operation?.attributes['error.type']).toBe('503');
    expect(operation?.status.code).toBe(2);
    expect(events.filter((event) => event.kind === 'attempt')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ kind: 'call', ok: false, errorType: '503', attempts: 3 });
    expect(telemetry.stats()).toMatchObject({ calls: 1, errors: 1, errorRate: 1 });
  });

  it('records a network error as the error class, never the message', async () => {
    const telemetryEvents: TelemetryEvent[] = [];
    const telemetry = createTelemetry({
      integration: 'acme',
      logger: (event) => telemetryEvents.push(event),
    });
    const api = ky.create({
      retry: 0,
      fetch: async () => {
        throw new TypeError('fetch failed: secret-host-detail');
      },
      hooks: telemetryHooks(telemetry),
    });
    await expect(api.get('http://127.0.0.1:9/x')).rejects.toThrow();
    expect(telemetryEvents.at(-1)).toMatchObject({
      kind: 'call',
      ok: false,
      errorType: 'TypeError',
    });
    expect(JSON.stringify(telemetryEvents)).not.toContain('secret-host-detail');
  });

  it('ends a call at a status throwHttpErrors lets through, and sends the request id when asked', async () => {
    const server = await loopback(sequence([404]));
    cleanups.push(server.close);
    const events: TelemetryEvent[] = [];
    const telemetry = createTelemetry({
      integration: 'acme',
      logger: (event) => events.push(event),
      requestId: { send: true, generate: () => 'req-1' },
    });
    const api = ky.create({
      baseUrl: `${server.url}/`,
      throwHttpErrors: false,
      hooks: telemetryHooks(telemetry),
    });
    const response = await api.get('missing');
    expect(response.status).toBe(404);
    expect(server.requests[0]?.headers['x-request-id']).toBe('req-1');
    expect(events.at(-1)).toMatchObject({
      kind: 'call',
      ok: true,
      status: 404,
      errorType: '404',
      requestId: 'req-1',
    });
    const statusOnly = ky.create({
      baseUrl: `${server.url}/`,
      throwHttpErrors: (status) => status >= 500,
      hooks: telemetryHooks(telemetry),
    });
    await statusOnly.get('missing', { headers: { 'x-request-id': 'given-id' } });
    expect(events.at(-1)).toMatchObject({ kind: 'call', requestId: 'given-id' });
    expect(server.requests[1]?.headers['x-request-id']).toBe('given-id');
  });

  it('uses the fetch the client was given, and keeps concurrent calls apart', async () => {
    const events: TelemetryEvent[] = [];
    const telemetry = createTelemetry({
      integration: 'acme',
      template: ['/a', '/b'],
      logger: (e) => events.push(e),
    });
    const api = ky.create({
      retry: 0,
      fetch: async (input) =>
        new Response('{}', {
          status: String(input instanceof Request ? input.url : input).endsWith('/a') ? 200 : 201,
        }),
      hooks: telemetryHooks(telemetry),
    });
    await Promise.all([api.get('https://x.test/a'), api.get('https://x.test/b')]);
    const calls = events.filter((event) => event.kind === 'call');
    expect(calls.map((event) => [event.urlTemplate, event.status]).sort()).toEqual([
      ['/a', 200],
      ['/b', 201],
    ]);
    expect(new Set(calls.map((event) => event.requestId)).size).toBe(2);
  });
});
