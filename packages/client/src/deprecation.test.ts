import { defineRoutes } from '@brace/schema-guard';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWarnedSet } from './deprecation.js';
import {
  type AnyIntegrationEvent,
  defineIntegration,
  MAX_DEPRECATION_HEADER_LENGTH,
  readDeprecation,
} from './index.js';
import { instantClock, type Loopback, loopback } from './test-utils/server.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const NOW = Date.UTC(2026, 0, 1);
const h = (init: Record<string, string>) => new Headers(init);

describe('readDeprecation', () => {
  it('reads an RFC 9745 Date, an RFC 8594 HTTP-date and the deprecation link', () => {
    const notice = readDeprecation(
      h({
        deprecation: '@1688169599',
        sunset: 'Wed, 31 Dec 2025 23:59:59 GMT',
        link: '<https://example.com/other>; rel="alternate", <https://developer.example.com/deprecation>; rel="deprecation"; type="text/html"',
      }),
      NOW,
    );
    expect(notice?.deprecatedAt?.toISOString()).toBe('2023-06-30T23:59:59.000Z');
    expect(notice?.sunsetAt?.toISOString()).toBe('2025-12-31T23:59:59.000Z');
    expect(notice?.link).toBe('https://developer.example.com/deprecation');
  });

  it('reads a Sunset in the future and the obsolete date forms', () => {
    expect(
      readDeprecation(h({ sunset: 'Sat, 01 Jan 2028 00:00:00 GMT' }), NOW)?.sunsetAt?.toISOString(),
    ).toBe('2028-01-01T00:00:00.000Z');
    expect(
      readDeprecation(h({ sunset: 'Sun Nov  6 08:49:37 1994' }), NOW)?.sunsetAt?.toISOString(),
    ).toBe('1994-11-06T08:49:37.000Z');
    const notice = readDeprecation(
      h({ sunset: 'Sat, 01 Jan 2028 00:00:00 GMT', link: '<https://x.example/s>; rel=sunset' }),
      NOW,
    );
    expect(notice?.link).toBe('https://x.example/s');
    expect(notice?.deprecatedAt).toBeUndefined();
  });

  it("takes the draft's `true` as deprecated with no date", () => {
    const notice = readDeprecation(h({ deprecation: 'true' }), NOW);
    expect(notice).toEqual({ deprecatedAt: undefined, sunsetAt: undefined, link: undefined });
    expect(readDeprecation(h({ deprecation: '?1' }), NOW)).toBeDefined();
  });

  it('ignores malformed, numeric, overlong and absent values', () => {
    expect(readDeprecation(h({}), NOW)).toBeUndefined();
    expect(readDeprecation(h({ deprecation: '2023-06-30' }), NOW)).toBeUndefined();
    expect(readDeprecation(h({ deprecation: '"soon"' }), NOW)).toBeUndefined();
    expect(readDeprecation(h({ sunset: '3600' }), NOW)).toBeUndefined();
    expect(readDeprecation(h({ sunset: 'tomorrow' }), NOW)).toBeUndefined();
    const long = `@${'1'.repeat(MAX_DEPRECATION_HEADER_LENGTH)}`;
    expect(readDeprecation(h({ deprecation: long }), NOW)).toBeUndefined();
    expect(
      readDeprecation(h({ sunset: `Wed, 31 Dec 2025 23:59:59 GMT${' '.repeat(5000)}x` }), NOW),
    ).toBeUndefined();
    const noLink = readDeprecation(
      h({ deprecation: '@1', link: `<${'a'.repeat(5000)}>; rel="deprecation"` }),
      NOW,
    );
    expect(noLink?.link).toBeUndefined();
    expect(
      readDeprecation(h({ deprecation: '@1', link: '<https://unclosed; rel="deprecation"' }), NOW)
        ?.link,
    ).toBeUndefined();
    expect(
      readDeprecation(h({ deprecation: '@1', link: '<https://a.example/>; rel="next"' }), NOW)
        ?.link,
    ).toBeUndefined();
  });

  it('property: every integer-seconds Date round-trips to its Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_640_000_000_000, max: 8_640_000_000_000 }), (seconds) => {
        const notice = readDeprecation(h({ deprecation: `@${seconds}` }), NOW);
        expect(notice?.deprecatedAt?.getTime()).toBe(seconds * 1000);
      }),
    );
  });

  it('property: any header text parses or is ignored, never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (a, b) => {
        let headers: Headers;
        try {
          headers = h({ deprecation: a, sunset: b, link: a });
        } catch {
          return; // not a valid header value at all
        }
        const notice = readDeprecation(headers, NOW);
        if (notice?.deprecatedAt) expect(Number.isNaN(notice.deprecatedAt.getTime())).toBe(false);
      }),
    );
  });

  it('remembers a bounded number of endpoints', () => {
    const first = createWarnedSet(2);
    expect([first('a'), first('a'), first('b'), first('c'), first('a')]).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });
});

describe('deprecation in an integration', () => {
  const headers = {
    deprecation: '@1688169599',
    sunset: 'Wed, 31 Dec 2025 23:59:59 GMT',
    link: '<https://docs.example.com/v1-sunset>; rel="deprecation"',
  };

  it('emits an event per response, warns once per endpoint, counts in telemetry, and degrades health past Sunset', async () => {
    server = await loopback({
      'GET /v1/old/1': () => ({ headers, body: {} }),
      'GET /v1/old/2': () => ({ headers, body: {} }),
      'POST /v1/old': () => ({ headers: { deprecation: '@1688169599' }, body: {} }),
      'GET /v1/new': () => ({ body: {} }),
    });
    const warnings: string[] = [];
    const counted: Array<[number, Record<string, string> | undefined]> = [];
    const meter = {
      createHistogram: () => ({ record: () => {} }),
      createCounter: (name: string) =>
        name === 'brace.client.deprecated_calls'
          ? { add: (v: number, a?: Record<string, string>) => counted.push([v, a]) }
          : { add: () => {} },
      createObservableGauge: () => ({ addCallback: () => {} }),
      createUpDownCounter: () => ({ add: () => {} }),
    };
    const api = defineIntegration({
      name: 'legacy',
      baseUrl: `${server.url}v1/`,
      clock: instantClock(NOW),
      warn: (m) => warnings.push(m),
      routes: defineRoutes({ 'GET /old/:id': { response: z.object({}) } }),
      telemetry: { meter: meter as never },
    });
    const events: AnyIntegrationEvent[] = [];
    api.on('deprecation', (e) => events.push(e));
    await api.api.get('/old/1');
    await api.api.get('/old/2');
    await api.get('old/1');
    await api.post('old');
    await api.get('new');
    expect(
      events.map((e) => [(e as { endpoint: string }).endpoint, (e as { first: boolean }).first]),
    ).toEqual([
      ['GET /old/:id', true],
      ['GET /old/:id', false],
      ['GET /old/:id', false],
      ['POST /old', true],
    ]);
    expect(warnings).toEqual([
      '[legacy] GET /old/:id is deprecated since 2023-06-30T23:59:59.000Z and may stop answering after 2025-12-31T23:59:59.000Z (see https://docs.example.com/v1-sunset). Move to its replacement or pin another version.',
      '[legacy] POST /old is deprecated since 2023-06-30T23:59:59.000Z. Move to its replacement or pin another version.',
    ]);
    expect(counted).toHaveLength(4);
    expect(counted[0]).toEqual([
      1,
      { 'brace.integration': 'legacy', 'brace.endpoint': 'GET /old/:id' },
    ]);
    expect(api.stats().deprecated).toEqual([
      {
        endpoint: 'GET /old/:id',
        deprecatedAt: new Date(1688169599000),
        sunsetAt: new Date('2025-12-31T23:59:59Z'),
        link: 'https://docs.example.com/v1-sunset',
      },
      {
        endpoint: 'POST /old',
        deprecatedAt: new Date(1688169599000),
        sunsetAt: undefined,
        link: undefined,
      },
    ]);
    const health = api.health();
    expect(health.status).toBe('degraded');
    expect(health.reasons).toEqual([
      {
        code: 'sunset',
        status: 'degraded',
        message: 'GET /old/:id is past its Sunset date (2025-12-31T23:59:59.000Z).',
      },
    ]);
  });

  it('never lets a failing warning sink or meter break a call; warns through process.emitWarning by default', async () => {
    server = await loopback({
      'GET /x': () => ({ headers: { deprecation: '@1' }, body: { ok: 1 } }),
    });
    const broken = defineIntegration({
      name: 'b',
      baseUrl: server.url,
      warn: () => {
        throw new Error('sink down');
      },
      telemetry: {
        meter: {
          createHistogram: () => ({ record: () => {} }),
          createCounter: () => ({
            add: () => {
              throw new Error('meter down');
            },
          }),
          createObservableGauge: () => ({ addCallback: () => {} }),
        } as never,
      },
    });
    expect(await broken.get('x').json()).toEqual({ ok: 1 });
    const seen: Error[] = [];
    const onWarning = (w: Error) => seen.push(w);
    process.on('warning', onWarning);
    try {
      const plain = defineIntegration({ name: 'p', baseUrl: server.url });
      await plain.get('x');
      await plain.get('x');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: 'DeprecationWarning', code: 'BRACE_API_DEPRECATED' });
    expect(seen[0]?.message).toContain('[p] GET /x is deprecated since 1970-01-01T00:00:01.000Z');
  });
});
