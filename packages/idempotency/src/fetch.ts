/**
 * Web-standard server middleware (`Request` → `Response` handlers): store the first response per key and replay it.
 *
 * @module
 */
import type { IdempotencyOptions } from './options.js';
import { createIdempotency, type WebHandler } from './web.js';

/**
 * Wraps any Web handler, `(request: Request) => Response | Promise<Response>`, in the
 * idempotency middleware: the handler runs at most once per `Idempotency-Key`; retries
 * get the stored response back with `Idempotent-Replayed: true`. Works with Node's
 * fetch-style servers, Deno, Bun, Cloudflare Workers and anything that speaks Web Requests.
 * See `createIdempotency` in `@brace/idempotency` for the rules.
 *
 * @param handler - the handler to protect
 * @param options - the store and the rules
 * @returns a handler with the same signature
 * @throws `IdempotencyOptionError` when an option is out of range
 *
 * @example
 * ```ts
 * import { memoryStore } from '@brace/idempotency';
 * import { withIdempotency } from '@brace/idempotency/fetch';
 *
 * const createOrder = async (request: Request) => {
 *   const order = await orders.insert(await request.json());
 *   return Response.json(order, { status: 201 });
 * };
 *
 * Deno.serve(withIdempotency(createOrder, { store: memoryStore(), required: true }));
 * ```
 */
export function withIdempotency(
  handler: WebHandler,
  options: IdempotencyOptions<Request>,
): (request: Request) => Promise<Response> {
  const idempotency = createIdempotency(options);
  return (request) => idempotency.handle(request, handler);
}

export type { WebHandler } from './web.js';
