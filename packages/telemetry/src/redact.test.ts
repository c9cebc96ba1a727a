import ky from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry, REDACTED } from './index.js';
import { telemetryHooks } from './ky.js';
import { createRedactor, pickHeaders, redactUrl } from './redact.js';
import { otelSdk } from './test-utils/otel.js';
import { loopback } from './test-utils/server.js';
import type { TelemetryEvent } from './types.js';

const SECRET = 'pl4nted-s3cret-7f3a9c';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('redaction', () => {
  it('no emitted event, span or metric carries a planted secret (headers, cookies, API keys, query, body)', async () => {
    const server = await loopback((_request, response) => {
      response.writeHead(200, {
        'set-cookie': `session=${SECRET}`,
        'x-api-key': SECRET,
        'x-auth-token': SECRET,
        'x-github-request-id': 'GH-1',
        'content-type': 'application/json',
      });
      response.end(JSON.stringify({ token: SECRET }));
    });
    const sdk = otelSdk();
    cleanups.push(server.close, sdk.shutdown);
    const events: TelemetryEvent[] = [];
    const telemetry = createTelemetry({
      integration: 'acme',
      template: ['/v1/things'],
      logger: (event) => events.push(event),
      tracer: sdk.tracer,
      meter: sdk.meter,
      redact: { query: ['email'] },
      captureHeaders: [
        'set-cookie',
        'x-api-key',
        'x-auth-token',
        'x-github-request-id',
        'authorization',
      ],
    });
    const api = ky.create({ baseUrl: `${server.url}/`, hooks: telemetryHooks(telemetry) });
    await api
      .post(
        `v1/things?api_key=${SECRET}&access_token=${SECRET}&sig=${SECRET}&email=${SECRET}&page=2`,
        {
          headers: {
            authorization: `Bearer ${SECRET}`,
            cookie: `sid=${SECRET}`,
            'x-api-key': SECRET,
          },
          json: { password: SECRET },
        },
      )
      .json();
    const everything = JSON.stringify({
      events,
      spans: sdk
        .spans()
        .map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })),
      metrics: [...(await sdk.metrics()).values()].map((metric) =>
        metric.dataPoints.map((p) => p.attributes),
      ),
    });
    expect(everything).not.toContain(SECRET);
    // Not vacuous: the events and spans are there, with the redacted forms.
    const attempt = events.find((event) => event.kind === 'attempt');
    expect(attempt).toMatchObject({
      headers: {
        'set-cookie': REDACTED,
        'x-api-key': REDACTED,
        'x-auth-token': REDACTED,
        'x-github-request-id': 'GH-1',
      },
    });
    const url = sdk.spans().find((span) => span.kind === 2)?.attributes['url.full'];
    expect(url).toBe(
      `${server.url}/v1/things?api_key=REDACTED&access_token=REDACTED&sig=REDACTED&email=REDACTED&page=2`,
    );
  });

  it('spanUrl: template keeps a secret path out of url.full', async () => {
    const sdk = otelSdk();
    cleanups.push(sdk.shutdown);
    for (const [template, expected] of [
      [['/services/{a}/{b}/{token}'], 'https://hooks.slack.test/services/{a}/{b}/{token}'],
      [[], 'https://hooks.slack.test/'],
    ] as const) {
      const telemetry = createTelemetry({
        integration: 'slack',
        template,
        tracer: sdk.tracer,
        spanUrl: 'template',
      });
      const call = telemetry.start({
        method: 'POST',
        url: `https://hooks.slack.test/services/T1/B2/${SECRET}`,
      });
      call.attempt().end({ status: 200 });
      call.end();
      expect(sdk.spans().at(-2)?.attributes['url.full']).toBe(expected);
    }
    expect(JSON.stringify(sdk.spans().map((span) => span.attributes))).not.toContain(SECRET);
  });

  it('replaces URL credentials and drops the fragment', () => {
    const redactor = createRedactor();
    expect(redactUrl(new URL('https://user:pw@api.test:8443/a/b?x=1#frag'), redactor)).toBe(
      'https://REDACTED:REDACTED@api.test:8443/a/b?x=1',
    );
    expect(redactUrl(new URL('https://api.test/a'), redactor)).toBe('https://api.test/a');
  });

  it('picks headers from Headers, records and pair lists, redacting by name', () => {
    const redactor = createRedactor({ headers: ['x-shop'] });
    const names = new Set(['x-shop', 'x-id', 'authorization']);
    expect(pickHeaders(new Headers({ 'X-Shop': 'a', 'x-id': '1' }), names, redactor)).toEqual({
      'x-shop': REDACTED,
      'x-id': '1',
    });
    expect(pickHeaders({ Authorization: 'Bearer t', 'x-id': undefined }, names, redactor)).toEqual({
      authorization: REDACTED,
    });
    expect(pickHeaders([['x-id', '2']], names, redactor)).toEqual({ 'x-id': '2' });
    expect(pickHeaders({ other: '1' }, names, redactor)).toBeUndefined();
    expect(pickHeaders(undefined, names, redactor)).toBeUndefined();
    expect(pickHeaders({ 'x-id': '1' }, new Set(), redactor)).toBeUndefined();
  });
});
