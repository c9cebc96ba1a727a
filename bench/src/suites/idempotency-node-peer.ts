// @node-idempotency in the fetch and Hono forms. The package ships a framework-free core
// (onRequest, onResponse) and no fetch or Hono middleware, so, as for Express, a minimal driver
// of that core stands in: the least glue its README's contract needs (headers as a record, the
// parsed JSON body, the response body handed to onResponse before the answer goes out). With
// it, each Brace form is compared with a peer doing the same job in the same form, where the
// Web forms pay the same Request/Response rebuild.
import type { Idempotency as NodeIdempotency } from '@node-idempotency/core';
import type { MiddlewareHandler } from 'hono';

/** One parsed request, as @node-idempotency's core takes it. */
const paramsOf = (request: Request, body: Record<string, unknown>) => ({
  headers: Object.fromEntries(request.headers),
  path: new URL(request.url).pathname,
  body,
  method: request.method,
});

/** A fetch handler wrapped in @node-idempotency (the peer's fetch form). */
export function nodeIdempotencyFetch(
  idem: NodeIdempotency,
  handler: (request: Request) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (incoming) => {
    const text = await incoming.text();
    const params = paramsOf(incoming, JSON.parse(text) as Record<string, unknown>);
    const cached = await idem.onRequest(params);
    if (cached !== undefined) return Response.json(cached.body, { status: 201 });
    const response = await handler(new Request(incoming, { body: text }));
    const value = (await response.json()) as Record<string, unknown>;
    await idem.onResponse(params, { body: value });
    return Response.json(value, response);
  };
}

/** @node-idempotency as a Hono middleware (the peer's Hono form). */
export function nodeIdempotencyHono(idem: NodeIdempotency): MiddlewareHandler {
  return async (c, next) => {
    const params = paramsOf(c.req.raw, (await c.req.json()) as Record<string, unknown>);
    const cached = await idem.onRequest(params);
    if (cached !== undefined) return c.json(cached.body as Record<string, unknown>, 201);
    await next();
    const value = (await c.res.json()) as Record<string, unknown>;
    await idem.onResponse(params, { body: value });
    const res = Response.json(value, c.res);
    c.res = undefined;
    c.res = res;
  };
}
