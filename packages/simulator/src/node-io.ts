import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the simulator reads (bigger bodies are cut here). */
export const MAX_REQUEST_BYTES = 1_048_576;

const EMPTY = Buffer.alloc(0);

/** Reads a request body, at most `MAX_REQUEST_BYTES`. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
    // No body (RFC 9112 §6.3): nothing to buffer; let the stream end on its own.
    req.resume();
    return EMPTY;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A Web `Request` for a Node request whose body was read. */
export function toRequest(req: IncomingMessage, body: Buffer, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) headers.set(name, value.join(', '));
  }
  const method = req.method ?? 'GET';
  return new Request(`${origin}${req.url ?? '/'}`, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' || body.length === 0 ? null : new Uint8Array(body),
  });
}

/** One request header as a `Headers` object would give it (repeats joined), or `null`. */
export function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.join(', ') : null;
}

/** The path and the query (with its `?`, or '') of a request target, as `new URL` gives them. */
export function splitTarget(target: string): { pathname: string; search: string } {
  // Plain ASCII targets without dot segments or a leading `//` need no URL parser.
  if (SIMPLE_TARGET.test(target) && !DOT_ESCAPE.test(target)) {
    const q = target.indexOf('?');
    if (q < 0) return { pathname: target, search: '' };
    return { pathname: target.slice(0, q), search: q === target.length - 1 ? '' : target.slice(q) };
  }
  const url = new URL(target, 'http://sim');
  return { pathname: url.pathname, search: url.search };
}

const DOT_ESCAPE = /%2e/i;
const SIMPLE_TARGET = /^\/(?!\/)[\w\-~!$&()*+,;=:@/%]*(?:\?[\w\-~!$&()*+,;=:@/%?.]*)?$/;

/** The headers of a `Response` as a plain record (lower-case names). */
export function headerRecord(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Writes a buffered answer in one go. */
export function writeAnswer(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Uint8Array,
): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}
