// The Express form's response capture: copies the body the handler writes and stores the
// result (or releases the key) before the response ends. The wrappers are small closures over
// the request's capture, put on `res` in one `Object.assign` (see `capture`).
import type { ServerResponse } from 'node:http';
import type { Claim, IdempotencyEngine } from './engine.js';
import type { ExpressLikeRequest } from './express.js';

/**
 * The response's headers that are replayed (`replayHeaders`), lower-case, in one pass:
 * only their values are read, never a copy of every header.
 */
function replayed(res: ServerResponse, replay: ReadonlySet<string>): Array<[string, string]> {
  const kept: Array<[string, string]> = [];
  // Node keeps header names lower-case: `getHeaderNames()` is the list, without the values.
  for (const name of res[GET_HEADER_NAMES]()) {
    if (!replay.has(name)) continue;
    const value = res[GET_HEADER](name);
    if (Array.isArray(value)) for (const v of value) kept.push([name, v]);
    else if (value !== undefined) kept.push([name, String(value)]);
  }
  return kept;
}

type AnyFn = (...args: unknown[]) => unknown;

// The members of `res` read on every request, read by key (`res[END]`), not by name. Express'
// `res` is a dictionary-mode object whose map is new each request (its prototype is set per
// request): a named load of it misses its inline cache every request and goes to the runtime,
// where a load by a key held in a variable takes V8's generic lookup. Measured on Express'
// `res`: reading `writeHead`, `write` and `end` by name about 0.7 µs, by key about 0.25 µs.
const WRITE_HEAD = 'writeHead';
const WRITE = 'write';
const END = 'end';
const HEADERS_SENT = 'headersSent';
const GET_HEADER = 'getHeader';
const GET_HEADER_NAMES = 'getHeaderNames';
const STATUS_CODE = 'statusCode';

/**
 * Sets the headers given to `res.writeHead(status, [message], headers)` on `res` and returns
 * the arguments without them. Node writes such headers straight to the socket, unseen by
 * `getHeaders()`, unless a header was set before; set first (as Node itself merges them when
 * one was), they are stored and replayed, and a `text/event-stream` type is seen.
 */
function headersSet(res: ServerResponse, args: unknown[]): unknown[] {
  const at = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[at];
  if (typeof headers !== 'object' || headers === null) return args;
  if (Array.isArray(headers)) {
    // Flat [name, value, name, value...]: replaces earlier values, keeps repeats.
    if (headers.length % 2 !== 0) return args; // Node throws its own error for this
    for (let i = 0; i < headers.length; i += 2) res.removeHeader(String(headers[i]));
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i]) res.appendHeader(String(headers[i]), headers[i + 1] as string | string[]);
    }
  } else {
    const fields = headers as Record<string, number | string | string[]>;
    for (const name of Object.keys(fields)) {
      if (name) res.setHeader(name, fields[name] as number | string | string[]);
    }
  }
  return args.slice(0, at);
}

const EMPTY = new Uint8Array(0);

/** One response being captured: the claim, the original methods and the body so far. */
interface Capture {
  engine: IdempotencyEngine<ExpressLikeRequest>;
  claim: Claim;
  writeHead: AnyFn;
  write: AnyFn;
  end: AnyFn;
  /** The body so far; `undefined` once given up (not storable, or too big). */
  chunks: Uint8Array[] | undefined;
  total: number;
  settled: boolean;
  /** Whether the `close` listener is on (added once headers may go out before `end`). */
  watching: boolean;
}

function giveUp(c: Capture): void {
  c.chunks = undefined;
  c.settled = true;
  void c.engine.release(c.claim);
}

/**
 * Copies one chunk of the body (given to `write`, or to `end` when `last`). The chunk given
 * to `end` is kept as it is, not copied: the handler is done with it, and the store copies
 * or serialises it; a `write`'s chunk is copied, as a streaming handler may reuse its buffer.
 */
function copy(
  c: Capture,
  res: ServerResponse,
  chunk: unknown,
  encoding: unknown,
  last: boolean,
): void {
  const chunks = c.chunks;
  if (chunks === undefined) return;
  if (chunks.length === 0 && c.total === 0) {
    const type = res[GET_HEADER]('content-type');
    const declared = res[GET_HEADER]('content-length');
    if (
      !c.engine.storable(res[STATUS_CODE], type === undefined ? undefined : String(type)) ||
      (declared !== undefined && Number(declared) > c.engine.options.maxBodyBytes)
    ) {
      giveUp(c);
      return;
    }
  }
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
  const buf =
    typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : last
        ? (chunk as Uint8Array)
        : Buffer.from(chunk as Uint8Array);
  c.total += buf.byteLength;
  if (c.total > c.engine.options.maxBodyBytes) giveUp(c);
  else chunks.push(buf);
}

/**
 * Listens for `close` from the first `writeHead` or `write` on: only then can the headers go
 * out before `end` (Node's `flushHeaders` and implicit headers go through `writeHead`), so a
 * response that ends in one `end` call (the usual JSON answer) adds no listener at all.
 */
function watch(c: Capture, res: ServerResponse): void {
  if (c.watching) return;
  c.watching = true;
  res.on('close', onCloseOf(c, res));
}

/** The wrapped `end`: stores the result, then ends the response. */
function ended(c: Capture, res: ServerResponse, args: unknown[]): unknown {
  copy(c, res, args[0], args[1], true);
  if (c.settled) return c.end.apply(res, args);
  c.settled = true;
  // Not given up by `copy`, so the status and type were storable and the body fits.
  const body = c.chunks as Uint8Array[];
  const done = c.engine.store(c.claim, {
    status: res[STATUS_CODE],
    headers: replayed(res, c.engine.options.replayHeaders),
    body:
      body.length === 1 ? (body[0] as Uint8Array) : body.length === 0 ? EMPTY : Buffer.concat(body),
  });
  // The response ends only once the result is stored (or the key released), so a retry
  // that follows a dropped connection finds it.
  void done.then(() => c.end.apply(res, args));
  return res;
}

function onCloseOf(c: Capture, res: ServerResponse): () => void {
  // Closed before `res.end`. With nothing sent yet, the client went away (a timeout) while
  // the handler still runs: keep the claim, so a retry gets 409 and then the stored result,
  // never a second run (a handler that never ends loses the claim after `lockTtlMs`). With
  // the response half sent, it can never be completed (the handler failed mid-way and
  // Express destroyed the socket, or the client left mid-stream): release the key.
  return () => {
    if (!c.settled && res.headersSent) giveUp(c);
  };
}

/**
 * Wraps `res.writeHead`/`res.write`/`res.end` to copy the body (up to `maxBodyBytes`) as the
 * handler writes it, and to store the result (or release the key) before the response ends.
 */
export function capture(
  engine: IdempotencyEngine<ExpressLikeRequest>,
  claim: Claim,
  res: ServerResponse,
): void {
  const c: Capture = {
    engine,
    claim,
    writeHead: res[WRITE_HEAD] as AnyFn,
    write: res[WRITE] as AnyFn,
    end: res[END] as AnyFn,
    chunks: [],
    total: 0,
    settled: false,
    watching: false,
  };
  // The wrappers are closures over this capture, made here (one context for the three):
  // `res` is usually a dictionary-mode object, where state kept under a symbol costs a
  // megamorphic keyed store and load per request. They go on `res` in one `Object.assign`
  // (measured on Express' `res`: about 0.26 µs, where three assignments cost about 0.85 µs,
  // each a megamorphic store that adds a property). Once the capture is settled (the result
  // stored, or given up) they pass every call straight on: they are never put back, which
  // would cost three more stores on `res`.
  Object.assign(res, {
    writeHead(this: ServerResponse, ...args: unknown[]): unknown {
      if (c.settled) return c.writeHead.apply(this, args);
      watch(c, this);
      return c.writeHead.apply(this, headersSet(this, args));
    },
    write(this: ServerResponse, ...args: unknown[]): unknown {
      if (c.settled) return c.write.apply(this, args);
      watch(c, this);
      copy(c, this, args[0], args[1], false);
      return c.write.apply(this, args);
    },
    end(this: ServerResponse, ...args: unknown[]): unknown {
      if (c.settled) return c.end.apply(this, args);
      return ended(c, this, args);
    },
  });
  // Headers an earlier middleware already sent: watch from the start.
  if (res[HEADERS_SENT]) watch(c, res);
}
