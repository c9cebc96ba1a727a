/**
 * Express middleware (`healthMiddleware`) serving the health JSON and Prometheus text.
 *
 * @module
 */
import type { NextFunction, Request, Response } from 'express';
import { type HealthHandlerOptions, healthHandler } from './handler.js';

export type { HealthDocument, HealthHandlerOptions, HealthSource } from './handler.js';

/**
 * An Express handler serving the integrations' health (JSON, or Prometheus text on
 * `?format=prometheus` / `Accept: text/plain`), as {@link healthHandler} does. Reads only the
 * URL and the `Accept` header; never the body.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createTelemetry } from '@brace/telemetry';
 * import { healthMiddleware } from '@brace/telemetry/express';
 *
 * const stripe = createTelemetry({ integration: 'stripe' });
 * const app = express();
 * app.get('/health', healthMiddleware({ integrations: [stripe] }));
 * ```
 */
export function healthMiddleware(
  options: HealthHandlerOptions,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  const handle = healthHandler(options);
  return async (req, res, next) => {
    const request = new Request(new URL(req.originalUrl, 'http://localhost'), {
      headers: { accept: req.headers.accept ?? '' },
    });
    let response: globalThis.Response;
    try {
      response = await handle(request);
    } catch (error) {
      // A source that throws goes to Express's error handling (Express 4 does not catch rejections).
      next(error);
      return;
    }
    res.status(response.status);
    response.headers.forEach((value, name) => {
      res.setHeader(name, value);
    });
    res.send(await response.text());
  };
}
