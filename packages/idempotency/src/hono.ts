/**
 * Hono middleware: store the first response per `Idempotency-Key` and replay it to retries.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { Claim, IdempotencyEngine, splitUrl, webHeaderReader } from './engine.js';
import type { IdempotencyOptions } from './options.js';
import { finishWebResponse, toWebResponse } from './web.js';

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/** Whether a handler of this content type most likely reads `c.req.json()` or `c.req.text()`. */
function textual(type: string | null): boolean {
  if (type === null) return false;
  // The media type only: a parameter (a multipart boundary, a file name) may contain "json".
  const semicolon = type.indexOf(';');
  const media = (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  return media.startsWith('text/') || media === 'application/json' || media.endsWith('+json');
}

/**
 * Hono middleware that runs each route at most once per `Idempotency-Key`: retries get
 * the stored response back with `Idempotent-Replayed: true`; a key in use answers 409 with
 * `Retry-After`, a key reused with another body 422, a bad or (when `required`) missing
 * key 400, all as `application/problem+json`. See `createIdempotency` in
 * `@brace/idempotency` for the full rules.
 *
 * The body is read through `c.req.arrayBuffer()`, which Hono caches: handlers keep using
 * `c.req.json()`, `c.req.text()` or `c.req.parseBody()`; only `c.req.raw`'s body is used up.
 * A JSON or `text/*` body is also decoded once into Hono's text cache, so `c.req.json()` and
 * `c.req.text()` need not decode the cached bytes through a new Response.
 * `scope` and `fingerprint` receive Hono's `Context` as `request.raw` (e.g.
 * `request.raw.get('tenantId')`). A handler that throws (Hono's `c.error`) releases the key.
 *
 * @param options - the store and the rules
 * @returns the middleware
 * @throws `IdempotencyOptionError` when an option is out of range
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { memoryStore } from '@brace/idempotency';
 * import { idempotency } from '@brace/idempotency/hono';
 *
 * const app = new Hono();
 * app.use('/orders/*', idempotency({ store: memoryStore(), required: true }));
 * app.post('/orders', async (c) => c.json(await orders.insert(await c.req.json()), 201));
 * ```
 */
export function idempotency(options: IdempotencyOptions<Context>): MiddlewareHandler {
  const engine = new IdempotencyEngine<Context>(options);
  const header = engine.options.header;
  return async (c, next) => {
    const raw = c.req.raw;
    const method = raw.method;
    if (!engine.covers(method)) return next();
    const key = engine.keyFor(raw.headers.get(header) ?? undefined);
    if (key === undefined) return next();
    if (typeof key !== 'string') return toWebResponse(key);
    let body = EMPTY;
    if (raw.body !== null) {
      // A declared length is checked before reading; a chunked body only once read whole
      // (Hono caches it), so put hono/body-limit first to bound those as they arrive.
      if (engine.declaredTooLarge(raw.headers.get('content-length'))) {
        return toWebResponse(engine.tooLarge());
      }
      body = new Uint8Array(await c.req.arrayBuffer());
      if (body.byteLength > engine.options.maxRequestBytes) return toWebResponse(engine.tooLarge());
      // After `arrayBuffer()`, Hono serves `c.req.json()`/`text()` by building a Response to
      // decode the cached bytes; decoding them here, as `Request.text()` would, saves about
      // 3 µs a request. Only for JSON and text bodies, whose handlers read them that way.
      const cache = c.req.bodyCache as Record<string, unknown> | undefined;
      if (
        cache !== undefined &&
        cache.text === undefined &&
        textual(raw.headers.get('content-type'))
      ) {
        cache.text = Promise.resolve(decoder.decode(body));
      }
    }
    const { path, search } = splitUrl(raw.url);
    const begun = await engine.claim(key, {
      method,
      path,
      search,
      body,
      raw: c,
      header: webHeaderReader(raw.headers),
    });
    if (!(begun instanceof Claim)) return toWebResponse(begun);
    const claim = begun;
    try {
      await next();
    } catch (error) {
      await engine.release(claim);
      throw error;
    }
    if (c.error !== undefined) {
      await engine.release(claim);
      return;
    }
    const finished = await finishWebResponse(engine, claim, c.res);
    // Reset first: assigning over an existing response would copy its headers again.
    c.res = undefined;
    c.res = finished;
  };
}
