import { isBraceError } from '@brace/core';

/** Headers that describe the error's own body, which the problem document replaces. */
const BODY_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
]);

function copy(into: Headers, name: string, value: unknown): void {
  if (BODY_HEADERS.has(name.toLowerCase())) return;
  try {
    if (Array.isArray(value)) for (const item of value) into.append(name, String(item));
    else if (typeof value === 'string' || typeof value === 'number') into.set(name, String(value));
  } catch {
    // An invalid header name or value is dropped, never thrown from an error handler.
  }
}

/**
 * The response headers a thrown error asks for, as the frameworks' own error handlers send
 * them: Hono's `HTTPException` `res.headers` (e.g. `WWW-Authenticate` from `bearerAuth`) and
 * the `headers` record of `http-errors` (e.g. `Allow` on a 405, `Retry-After` on a 429).
 * Headers describing the error's own body (`content-type`, `content-length`…) are left out.
 * Problem errors are skipped: their headers came from an upstream response.
 *
 * @param error - whatever was thrown
 * @returns the headers to send with the problem, or `undefined` when there are none
 *
 * @example
 * ```ts
 * errorHeaders({ status: 405, headers: { Allow: 'GET' } })?.get('allow'); // 'GET'
 * ```
 *
 * @internal
 */
export function errorHeaders(error: unknown): Headers | undefined {
  if (typeof error !== 'object' || error === null || isBraceError(error)) return undefined;
  const { res, headers } = error as { res?: unknown; headers?: unknown };
  let out: Headers | undefined;
  if (res instanceof Response) {
    out = new Headers();
    for (const [name, value] of res.headers) {
      if (!BODY_HEADERS.has(name)) out.append(name, value);
    }
  }
  if (typeof headers === 'object' && headers !== null && !(headers instanceof Headers)) {
    out ??= new Headers();
    for (const name of Object.keys(headers)) {
      copy(out, name, (headers as Record<string, unknown>)[name]);
    }
  }
  return out;
}
