/**
 * Express middleware: store the first response per `Idempotency-Key` and replay it to retries.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Begun, Claim, IdempotencyEngine, splitUrl } from './engine.js';
import { IdempotencyRawBodyError } from './errors.js';
import { capture } from './express-capture.js';
import type { IdempotencyOptions } from './options.js';
import type { PlainResponse } from './problem.js';

/**
 * The request the Express middleware works with: Node's `IncomingMessage` plus what
 * Express and body parsers add. Express' own `Request` fits.
 *
 * @example
 * ```ts
 * import type { ExpressLikeRequest } from '@brace/idempotency/express';
 *
 * const tenantOf = (req: ExpressLikeRequest) => String(req.headers['x-tenant-id'] ?? '');
 * ```
 */
export interface ExpressLikeRequest extends IncomingMessage {
  /** The URL including the mount path (Express). */
  originalUrl?: string;
  /** What a body parser made of the body. */
  body?: unknown;
  /** The raw body bytes, as {@link keepRawBody} keeps them. */
  rawBody?: unknown;
}

/**
 * Express' `next`.
 *
 * @example
 * ```ts
 * import type { NextFunction } from '@brace/idempotency/express';
 *
 * const next: NextFunction = (error) => { if (error) console.error(error); };
 * ```
 */
export type NextFunction = (error?: unknown) => void;

/** A request header as one string (Node joins repeated ones, except a few, into arrays). */
function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * What to do once the key is claimed: capture the response and call `next`, or send the
 * replay or problem. Made by a function, so that it stays an anonymous closure.
 */
function afterClaim(
  engine: IdempotencyEngine<ExpressLikeRequest>,
  res: ServerResponse,
  next: NextFunction,
): (begun: Begun) => void {
  return (begun) => {
    try {
      if (!(begun instanceof Claim)) return send(res, begun);
      capture(engine, begun, res);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** `IdempotencyRequest.header` for `req` (built here, not inline, so it stays a plain closure). */
function headerReader(req: IncomingMessage): (name: string) => string | undefined {
  return (name) => headerOf(req, name);
}

/**
 * An Express (4 or 5) middleware, typed structurally so that no Express types are needed.
 *
 * @example
 * ```ts
 * import type { ExpressMiddleware } from '@brace/idempotency/express';
 *
 * const noop: ExpressMiddleware = (_req, _res, next) => next();
 * ```
 */
export type ExpressMiddleware = (
  req: ExpressLikeRequest,
  res: ServerResponse,
  next: NextFunction,
) => void;

const EMPTY = new Uint8Array(0);

/**
 * A body-parser `verify` function that keeps the exact body bytes on `req.rawBody`, so the
 * idempotency middleware, mounted after the parser, can fingerprint them.
 *
 * @param req - the request
 * @param _res - the response (unused)
 * @param buf - the raw body bytes
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { memoryStore } from '@brace/idempotency';
 * import { idempotency, keepRawBody } from '@brace/idempotency/express';
 *
 * const app = express();
 * app.use(express.json({ verify: keepRawBody }));
 * app.use(idempotency({ store: memoryStore() }));
 * ```
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Uint8Array): void {
  (req as ExpressLikeRequest).rawBody = buf;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** The body read to its end; `null` (the rest dropped) once it grows past `max` bytes. */
function readStream(req: ExpressLikeRequest, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total <= max) chunks.push(chunk);
    });
    req.on('end', () => resolve(total > max ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The exact body bytes, wherever they are; `undefined` when a parser used them up; `null`
 * when they are over `max` bytes.
 */
function bodyOf(
  req: ExpressLikeRequest,
  max: number,
): Uint8Array | null | Promise<Uint8Array | null> | undefined {
  const kept =
    req.rawBody instanceof Uint8Array
      ? req.rawBody
      : req.body instanceof Uint8Array
        ? req.body
        : undefined;
  if (kept !== undefined) return kept.byteLength > max ? null : kept;
  if (!hasBody(req)) return EMPTY;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return null;
  // Used up when a parser marked it (`_body`), read it to the end, or is reading it. A
  // `req.body` alone proves nothing: body-parser 1.x (Express 4) sets `req.body = {}` before
  // it skips a content type it does not parse, leaving the stream unread.
  if (
    (req as { _body?: unknown })._body === true ||
    req.readableEnded ||
    req.readableFlowing !== null
  ) {
    return undefined;
  }
  return readStream(req, max).then((bytes) => {
    if (bytes === null) return null;
    // Mark the body as parsed (it was undefined) so later body parsers skip it, not fail.
    req.rawBody = bytes;
    req.body = bytes;
    (req as { _body?: unknown })._body = true;
    return bytes;
  });
}

function send(res: ServerResponse, plain: PlainResponse): void {
  res.statusCode = plain.status;
  // Replace what an earlier middleware set (a global Cache-Control, a Content-Type), as the
  // handler's own `res.set` did the first time; repeats of one name (Link, Vary) are kept.
  const seen = new Set<string>();
  for (const [name, value] of plain.headers) {
    if (seen.has(name)) res.appendHeader(name, value);
    else {
      seen.add(name);
      res.setHeader(name, value);
    }
  }
  res.end(
    plain.body.byteLength === 0
      ? undefined
      : Buffer.from(plain.body.buffer, plain.body.byteOffset, plain.body.byteLength),
  );
}

/**
 * Express (4 or 5) middleware that runs each route at most once per `Idempotency-Key`:
 * retries get the stored response with `Idempotent-Replayed: true`; a key in use answers
 * 409 with `Retry-After`, a key reused with another body 422, a bad or (when `required`)
 * missing key 400, all as `application/problem+json`. See `createIdempotency` in
 * `@brace/idempotency` for the full rules.
 *
 * The fingerprint needs the exact body bytes. They are taken, in order, from
 * `req.rawBody` (mount after `express.json({ verify: keepRawBody })` or any parser with
 * that `verify`), from `req.body` when it is a Buffer (`express.raw()`), or from the
 * request stream when no parser ran yet; in that last case `req.body` becomes the raw
 * Buffer and later body parsers skip the request, so mount it after your parser. A body
 * that a parser used up without keeping the bytes is an error
 * (`IdempotencyRawBodyError`, passed to `next`).
 *
 * The response is copied as it is written (up to `maxBodyBytes`), headers given to
 * `res.writeHead` included, and stored before it ends. An error passed to Express' error
 * handler ends in a 5xx and releases the key, as does a connection closed with the response
 * half sent. A client that hangs up before anything was sent does not stop the handler: the
 * key stays claimed (a retry gets 409) until the handler's result is stored, or until
 * `lockTtlMs` passes if it never answers.
 *
 * @param options - the store and the rules
 * @returns the middleware
 * @throws `IdempotencyOptionError` when an option is out of range
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { memoryStore } from '@brace/idempotency';
 * import { idempotency, keepRawBody } from '@brace/idempotency/express';
 *
 * const app = express();
 * app.use(express.json({ verify: keepRawBody }));
 * app.use('/orders', idempotency({ store: memoryStore(), required: true }));
 * app.post('/orders', async (req, res) => res.status(201).json(await orders.insert(req.body)));
 * ```
 */
export function idempotency(options: IdempotencyOptions<ExpressLikeRequest>): ExpressMiddleware {
  const engine = new IdempotencyEngine<ExpressLikeRequest>(options);
  const header = engine.options.header.toLowerCase();
  /** Claims the key for a request whose body bytes are at hand, then runs or answers. */
  const claim = (
    req: ExpressLikeRequest,
    res: ServerResponse,
    next: NextFunction,
    key: string,
    body: Uint8Array,
  ): void => {
    let begun: Promise<Begun>;
    try {
      const { path, search } = splitUrl(req.originalUrl ?? (req.url as string));
      begun = engine.claim(key, {
        method: req.method as string,
        path,
        search,
        body,
        raw: req,
        header: headerReader(req),
      });
    } catch (error) {
      next(error);
      return;
    }
    // One reaction (no async frame): errors go to `next`, as a throw in the handler would.
    void begun.then(afterClaim(engine, res, next), next);
  };
  // A body still to be read from the stream: awaited first.
  const later = async (
    req: ExpressLikeRequest,
    res: ServerResponse,
    next: NextFunction,
    key: string,
    found: Promise<Uint8Array | null>,
  ) => {
    let body: Uint8Array | null;
    try {
      body = await found;
      if (body === null) return send(res, engine.tooLarge());
    } catch (error) {
      return next(error);
    }
    claim(req, res, next, key, body);
  };
  return (req, res, next) => {
    if (!engine.covers(req.method as string)) return next();
    // Node joins repeated fields of unknown headers with ', ': the value is a string.
    const key = engine.keyFor(req.headers[header] as string | undefined);
    if (key === undefined) return next();
    if (typeof key !== 'string') return send(res, key);
    const found = bodyOf(req, engine.options.maxRequestBytes);
    if (found === undefined) return next(new IdempotencyRawBodyError());
    // A body already read (the usual case, after a parser) is not awaited: no extra turn.
    if (found instanceof Promise) return void later(req, res, next, key, found);
    if (found === null) return send(res, engine.tooLarge());
    claim(req, res, next, key, found);
  };
}
