/**
 * Express error handler that answers with `application/problem+json`.
 *
 * @module
 */
import type { ErrorRequestHandler } from 'express';
import { errorHeaders } from './error-headers.js';
import { PROBLEM_JSON } from './parse.js';
import {
  checkProblemOptions,
  problemDocument,
  problemFromError,
  type ToProblemOptions,
} from './server.js';

/**
 * An Express error-handling middleware (register it last) that answers every error with
 * problem details, by the rules of `toProblemResponse`: problems made with a problem type
 * are sent as they are, errors with a 4xx/5xx `status` (`http-errors`, body-parser) keep
 * it, zod / Standard Schema errors become 422 validation problems with JSON Pointers,
 * everything else is a 500 whose message and stack stay on the server unless `expose` /
 * `exposeStack` say otherwise. An `http-errors` `headers` record (`Allow`, `Retry-After`,
 * `WWW-Authenticate`) is sent as Express's own handler sends it. When headers were already
 * sent it defers to Express.
 *
 * @param options - exposure, validation status, pointer style and `onError`
 * @returns the middleware
 * @throws InvalidProblemOptionError for an out-of-range option
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { problemDetailsMiddleware } from '@brace/problem-details/express';
 *
 * const app = express();
 * app.get('/orders/:id', getOrder);
 * app.use(problemDetailsMiddleware({ onError: ({ error }) => logger.error(error) }));
 * ```
 */
export function problemDetailsMiddleware(options?: ToProblemOptions): ErrorRequestHandler {
  checkProblemOptions(options);
  return (error, _request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const doc = problemDocument(problemFromError(error, options));
    response.status(doc.status as number);
    const headers = errorHeaders(error);
    if (headers !== undefined) {
      for (const name of new Set(headers.keys())) {
        const value = name === 'set-cookie' ? headers.getSetCookie() : headers.get(name);
        response.setHeader(name, value as string | string[]);
      }
    }
    response.setHeader('content-type', PROBLEM_JSON);
    response.end(JSON.stringify(doc));
  };
}
