/**
 * Hono error and not-found handlers that answer with `application/problem+json`.
 *
 * @module
 */
import type { ErrorHandler, NotFoundHandler } from 'hono';
import {
  checkProblemOptions,
  problem,
  type ToProblemOptions,
  toProblemResponse,
} from './server.js';

/**
 * A Hono error handler (`app.onError`) that answers every error with problem details, by
 * the rules of `toProblemResponse`: problems made with a problem type are sent as they
 * are, `HTTPException`s keep their status and the headers of their `res` (such as
 * `bearerAuth`'s `WWW-Authenticate`), zod / Standard Schema errors become 422
 * validation problems with JSON Pointers, everything else is a 500 whose message and
 * stack stay on the server unless `expose` / `exposeStack` say otherwise.
 *
 * @param options - exposure, validation status, pointer style and `onError`
 * @returns the handler
 * @throws InvalidProblemOptionError for an out-of-range option
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { problemDetailsHandler, problemNotFoundHandler } from '@brace/problem-details/hono';
 *
 * const app = new Hono();
 * app.onError(problemDetailsHandler({ onError: ({ error }) => console.error(error) }));
 * app.notFound(problemNotFoundHandler());
 * ```
 */
export function problemDetailsHandler(options?: ToProblemOptions): ErrorHandler {
  checkProblemOptions(options);
  return (error) => toProblemResponse(error, options);
}

/**
 * A Hono not-found handler (`app.notFound`) that answers with a 404 `about:blank` problem.
 *
 * @returns the handler
 *
 * @example
 * ```ts
 * app.notFound(problemNotFoundHandler());
 * ```
 */
export function problemNotFoundHandler(): NotFoundHandler {
  return () => problem({ status: 404 });
}
