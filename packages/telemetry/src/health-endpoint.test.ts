import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@brace/core';
import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { healthMiddleware } from './express.js';
import { healthRoute } from './hono.js';
import { createTelemetry, type HealthDocument, healthHandler, prometheusText } from './index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function integrations() {
  const clock = manualClock({ now: 0 });
  const stripe = createTelemetry({ integration: 'stripe', clock, thresholds: { minCalls: 1 } });
  const github = createTelemetry({ integration: 'git"hub', clock });
  for (let i = 0; i < 4; i++) {
    const call = stripe.start({ method: 'GET', url: 'https://api.stripe.test/v1/x' });
    call.attempt().end({
      status: i === 0 ? 503 : 200,
      headers: { 'x-ratelimit-remaining': '50', 'x-ratelimit-limit': '100' },
    });
    call.end();
  }
  github.watch({ stats: () => ({ state: 'open', queued: 2, credentials: 'ok' }) });
  return [stripe, github];
}

describe('healthHandler', () => {
  it('serves one JSON entry per integration, 503 when one is down', async () => {
    const handle = healthHandler({ integrations: integrations() });
    const response = await handle(new Request('http://local/health'));
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json');
    const document = (await response.json()) as HealthDocument;
    expect(document.status).toBe('down');
    expect(document.checkedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(document.integrations.stripe).toMatchObject({
      status: 'degraded',
      reasons: [{ code: 'error-rate', value: 0.25 }],
      stats: { calls: 4, errors: 1, rateLimit: { remaining: 50, limit: 100, headroom: 0.5 } },
    });
    expect(document.integrations['git"hub']).toMatchObject({
      status: 'down',
      stats: { breaker: 'open', queueDepth: 2 },
    });
    const healthy = healthHandler({
      integrations: [createTelemetry({ integration: 'quiet' })],
      downStatus: 500,
    });
    const ok = await healthy(new Request('http://local/health'));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as HealthDocument).status).toBe('ok');
    const down = healthHandler({ integrations: integrations(), downStatus: 500 });
    expect((await down(new Request('http://local/health'))).status).toBe(500);
  });

  it('serves the same figures as Prometheus text on request', async () => {
    const handle = healthHandler({ integrations: integrations() });
    for (const request of [
      new Request('http://local/health?format=prometheus'),
      new Request('http://local/health', { headers: { accept: 'text/plain;version=0.0.4' } }),
      new Request('http://local/health', { headers: { accept: 'application/openmetrics-text' } }),
    ]) {
      const response = await handle(request);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('# TYPE brace_integration_health gauge');
      expect(text).toContain('brace_integration_health{integration="stripe",state="degraded"} 1');
      expect(text).toContain('brace_integration_error_ratio{integration="stripe"} 0.25');
      expect(text).toContain(
        'brace_integration_rate_limit_headroom_ratio{integration="stripe"} 0.5',
      );
      expect(text).toContain(
        'brace_integration_breaker_state{integration="git\\"hub",state="open"} 1',
      );
      expect(text).toContain('brace_integration_queue_depth{integration="git\\"hub"} 2');
      expect(text).toContain('brace_integration_credentials_ok{integration="git\\"hub"} 1');
      expect(text).toMatch(
        /brace_integration_latency_seconds\{integration="stripe",quantile="0.95"\} 0(\n|$)/,
      );
      // Each family's HELP/TYPE appears once.
      expect(text.match(/# TYPE brace_integration_calls gauge/g)).toHaveLength(1);
    }
  });

  it('renders latency quantiles in seconds and skips unknown figures', () => {
    const text = prometheusText([
      {
        integration: 'a\nb\\c',
        status: 'degraded',
        reasons: [],
        stats: {
          integration: 'a',
          windowMs: 60_000,
          calls: 1,
          errors: 0,
          errorRate: 0,
          attempts: 1,
          retries: 0,
          rateLimited: 0,
          latencyMs: { p50: 120, p95: 1500, p99: undefined, relativeAccuracy: 0.01 },
          credentials: 'failing',
        },
      },
    ]);
    expect(text).toContain(
      'brace_integration_latency_seconds{integration="a\\nb\\\\c",quantile="0.95"} 1.5',
    );
    expect(text).not.toContain('quantile="0.99"');
    expect(text).not.toContain('rate_limit_');
    expect(text).toContain('brace_integration_credentials_ok{integration="a\\nb\\\\c"} 0');
    expect(prometheusText([])).toBe('');
  });
});

describe('Hono and Express adapters', () => {
  it('Hono: healthRoute serves JSON and Prometheus', async () => {
    const app = new Hono();
    app.get('/health', healthRoute({ integrations: integrations() }));
    const json = await app.request('/health');
    expect(json.status).toBe(503);
    expect(((await json.json()) as HealthDocument).integrations.stripe?.stats.calls).toBe(4);
    const text = await app.request('/health?format=prometheus');
    expect(await text.text()).toContain('brace_integration_calls{integration="stripe"} 4');
  });

  it('Express: healthMiddleware serves JSON and Prometheus over a loopback server', async () => {
    const app = express();
    app.get('/health', healthMiddleware({ integrations: integrations() }));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = await fetch(`${base}/health`);
    expect(json.status).toBe(503);
    expect(json.headers.get('cache-control')).toBe('no-store');
    expect(((await json.json()) as HealthDocument).integrations.stripe?.status).toBe('degraded');
    const text = await fetch(`${base}/health`, { headers: { accept: 'text/plain' } });
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(await text.text()).toContain('brace_integration_attempts{integration="stripe"} 4');
    const plain = await fetch(`${base}/health?format=prometheus`, { headers: {} });
    expect(plain.status).toBe(200);
  });
});
