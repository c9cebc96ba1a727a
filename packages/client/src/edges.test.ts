import { defineRoutes } from '@brace/schema-guard';
import { createProvider } from '@brace/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deprecationMessage } from './deprecation.js';
import { createFetch } from './fetch.js';
import { type AnyIntegrationEvent, defineIntegration, readDeprecation } from './index.js';
import { github } from './presets.js';
import { instantClock, type Loopback, loopback } from './test-utils/server.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('endpoint names for deprecation notices', () => {
  it('drop the query and fragment, keep paths outside the base, and fall back to the path without a route', async () => {
    server = await loopback({
      'GET /v1/old': () => ({ headers: { deprecation: '@1' }, body: {} }),
      'GET /elsewhere': () => ({ headers: { deprecation: '@1' }, body: {} }),
    });
    const api = defineIntegration({
      name: 'e',
      baseUrl: `${server.url}v1/`,
      warn: false,
      routes: defineRoutes({ 'GET /users/:id': { response: z.object({}) } }),
    });
    const endpoints: string[] = [];
    api.on('deprecation', (e) => endpoints.push(e.endpoint));
    await api.get('old?token=secret#frag');
    await api(`${server.url}elsewhere`);
    expect(endpoints).toEqual(['GET /old', 'GET /elsewhere']);
  });
});

describe('deprecation header edge cases', () => {
  it('reads rel lists, skips unclosed links, and words a Sunset-only notice', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(
      readDeprecation(
        new Headers({ deprecation: '@1', link: '<https://a.example/d>; rel="sunset deprecation"' }),
        now,
      )?.link,
    ).toBe('https://a.example/d');
    expect(
      readDeprecation(
        new Headers({
          deprecation: '@1',
          link: '<https://a.example/s>; rel="sunset", <https://a.example/x',
        }),
        now,
      )?.link,
    ).toBe('https://a.example/s');
    expect(
      readDeprecation(new Headers({ deprecation: '@1', link: 'no-angle-brackets' }), now)?.link,
    ).toBeUndefined();
    const huge = readDeprecation(new Headers({ deprecation: '@999999999999999' }), now);
    expect(huge).toEqual({ deprecatedAt: undefined, sunsetAt: undefined, link: undefined });
    expect(
      deprecationMessage('s', 'GET /a', {
        deprecatedAt: undefined,
        sunsetAt: new Date(0),
        link: undefined,
      }),
    ).toBe(
      '[s] GET /a is deprecated and may stop answering after 1970-01-01T00:00:00.000Z. Move to its replacement or pin another version.',
    );
  });
});

describe('callbacks given with the options still run beside the stream', () => {
  it('rateLimit.onPause/onThrottled and breaker.onStateChange', async () => {
    server = await loopback({
      'GET /a': () => ({ status: 503, headers: { 'retry-after': '1' }, body: {} }),
    });
    const clock = instantClock();
    const own: string[] = [];
    const api = defineIntegration({
      name: 'cb',
      baseUrl: server.url,
      clock,
      warn: false,
      retry: { attempts: 2, maxRetryAfterMs: 5000 },
      rateLimit: { onPause: () => own.push('pause'), onThrottled: () => own.push('throttled') },
      breaker: {
        minimumThroughput: 1,
        failureRatio: 0.1,
        onStateChange: (e) => own.push(`breaker:${e.to}`),
      },
    });
    const stream: string[] = [];
    api.on('*', (e: AnyIntegrationEvent) => stream.push(e.type));
    await api.get('a').catch(() => undefined);
    expect(own).toContain('pause');
    expect(own).toContain('breaker:open');
    expect(stream).toContain('pause');
    expect(stream).toContain('breaker');
  });

  it('a half-open breaker degrades health without telemetry', async () => {
    server = await loopback({ 'GET /a': () => ({ status: 500, body: {} }) });
    const clock = instantClock();
    const api = defineIntegration({
      name: 'half',
      baseUrl: server.url,
      clock,
      retry: false,
      telemetry: false,
      breaker: { minimumThroughput: 1, failureRatio: 0.1, breakDurationMs: 1000 },
    });
    await api.get('a').catch(() => undefined);
    expect(api.health().status).toBe('down');
    await clock.sleep(2000);
    expect(['half-open', 'open']).toContain(api.stats().breaker);
    if (api.stats().breaker === 'half-open') expect(api.health().status).toBe('degraded');
  });
});

describe('validate() edge cases', () => {
  it('passes a signal, reports a 5xx as unknown credentials, and a token manager that validates', async () => {
    server = await loopback({ 'GET /me': () => ({ status: 500, body: {} }) });
    const manager = {
      authorize: () => ({ in: 'header' as const, name: 'authorization', value: 'Bearer x' }),
      rejected: async () => undefined,
      getToken: async () => 'x',
      validate: async () => undefined,
    };
    const api = defineIntegration({
      name: 'v',
      baseUrl: server.url,
      auth: manager,
      validatePath: 'me',
      breaker: false,
    });
    const result = await api.validate({ signal: new AbortController().signal });
    expect(result).toMatchObject({ ok: false, status: 500, credentials: 'unknown' });
    const f = createFetch({ name: 'v', baseUrl: server.url, validatePath: 'me', breaker: false });
    expect(await f.validate({ signal: new AbortController().signal })).toMatchObject({
      ok: false,
      status: 500,
    });
  });

  it('names an error without a code by its name', async () => {
    const api = defineIntegration({
      name: 'n',
      baseUrl: 'http://127.0.0.1:9/',
      validatePath: 'me',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
      breaker: false,
    });
    expect(await api.validate()).toMatchObject({
      ok: false,
      error: 'NetworkError',
      credentials: 'unknown',
    });
  });
});

describe('createFetch edge cases', () => {
  it('keeps a version header the caller set, and an abort does not count against the breaker', async () => {
    server = await loopback({
      'GET /v': (s) => ({ body: { version: s.headers['api-version'] } }),
      'GET /slow': () => new Promise((resolve) => setTimeout(() => resolve({ body: {} }), 500)),
    });
    const f = createFetch({
      name: 'f',
      baseUrl: server.url,
      version: '1',
      retry: false,
      breaker: { minimumThroughput: 1, failureRatio: 0.1 },
    });
    const res = await f('v', { headers: { 'api-version': '2' } });
    expect(await res.json()).toEqual({ version: '2' });
    const controller = new AbortController();
    const pending = f('slow', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(f.stats().breaker).toBe('closed');
  });

  it("retries GitHub's 403 rate-limit answer in the fetch form too", async () => {
    const clock = instantClock();
    const p = await createProvider({
      preset: 'github',
      clock,
      rateLimit: { limit: 1, windowMs: 5000 },
    });
    try {
      const f = createFetch({
        preset: github,
        baseUrl: `${p.url}/`,
        clock,
        rateLimit: false,
        breaker: false,
      });
      await f('issues');
      expect((await f('issues')).status).toBe(200);
      expect(p.ledger.rateLimited).toBe(1);
    } finally {
      await p.close();
    }
  });
});

describe('token manager events and the console fallback', () => {
  it('puts refresh errors on the stream and still calls your own callbacks', async () => {
    const { customGrant, GrantFailure } = await import('@brace/auth');
    server = await loopback({ 'GET /me': () => ({ body: {} }) });
    let calls = 0;
    const own: string[] = [];
    const api = defineIntegration({
      name: 'tm',
      baseUrl: server.url,
      breaker: false,
      auth: {
        grant: customGrant(async () => {
          calls++;
          if (calls === 1) throw new GrantFailure('status', 503, false);
          return { accessToken: 'ok', expiresIn: 3600 };
        }),
        maxAttempts: 2,
        retryBaseMs: 1,
        retryCapMs: 1,
        onRefresh: () => own.push('refresh'),
        onRefreshError: () => own.push('error'),
      },
    });
    const kinds: string[] = [];
    api.on('auth', (e) => kinds.push(e.kind));
    await api.get('me');
    expect(kinds).toEqual(['refresh-error', 'refresh']);
    expect(own).toEqual(['error', 'refresh']);
  });

  it('warns on the console where there is no process.emitWarning', async () => {
    server = await loopback({ 'GET /d': () => ({ headers: { deprecation: '@1' }, body: {} }) });
    const original = process.emitWarning;
    const lines: unknown[] = [];
    const warn = console.warn;
    (process as { emitWarning?: unknown }).emitWarning = undefined;
    console.warn = (...args: unknown[]) => lines.push(args[0]);
    try {
      const api = defineIntegration({ name: 'c', baseUrl: server.url });
      api.on('deprecation', () => {});
      api.on('deprecation', () => {});
      await api.get('d');
    } finally {
      process.emitWarning = original;
      console.warn = warn;
    }
    expect(lines).toHaveLength(1);
    expect(String(lines[0])).toContain('[c] GET /d is deprecated');
  });
});
