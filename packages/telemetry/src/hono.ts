/**
 * A Hono route (`healthRoute`) serving the health JSON and Prometheus text.
 *
 * @module
 */
import type { Context } from 'hono';
import { type HealthHandlerOptions, healthHandler } from './handler.js';

export type { HealthDocument, HealthHandlerOptions, HealthSource } from './handler.js';

/**
 * A Hono handler serving the integrations' health (JSON, or Prometheus text on
 * `?format=prometheus` / `Accept: text/plain`), as {@link healthHandler} does.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createTelemetry } from '@brace/telemetry';
 * import { healthRoute } from '@brace/telemetry/hono';
 *
 * const stripe = createTelemetry({ integration: 'stripe' });
 * const app = new Hono();
 * app.get('/health', healthRoute({ integrations: [stripe] }));
 * ```
 */
export function healthRoute(options: HealthHandlerOptions): (c: Context) => Promise<Response> {
  const handle = healthHandler(options);
  return (c) => handle(c.req.raw);
}
