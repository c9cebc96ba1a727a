/**
 * What the middleware knows about a request when it computes a fingerprint or a scope.
 * `raw` is the framework's own request object: a Web `Request` for `./fetch`, Hono's
 * `Context` for `./hono`, Express' `req` for `./express`.
 *
 * @typeParam R - the framework's request (or context) type
 *
 * @example
 * ```ts
 * import type { IdempotencyRequest } from '@brace/idempotency';
 *
 * const tenantOf = (request: IdempotencyRequest<Request>) =>
 *   request.raw.headers.get('x-tenant-id') ?? 'anonymous';
 * ```
 */
export interface IdempotencyRequest<R = unknown> {
  /** The method, upper case (`POST`). */
  method: string;
  /** The path without the query (`/orders`). */
  path: string;
  /** The query with its `?` (`?dry_run=1`), or `''`. */
  search: string;
  /** The exact body bytes (empty when there is no body). */
  body: Uint8Array;
  /** The framework's request object. */
  raw: R;
  /**
   * Reads a request header by its lower-case name (`undefined` when absent). The
   * middleware always sets it; the default `scope` reads the credential headers through it.
   */
  header?: ((name: string) => string | undefined) | undefined;
}

interface NodeHash {
  update(data: string | Uint8Array): NodeHash;
  digest(encoding: 'base64url'): string;
}
interface NodeCrypto {
  createHash(algorithm: string): NodeHash;
}

/**
 * On Node, Deno and Bun, `node:crypto` hashes synchronously in about a microsecond, where
 * an awaited Web Crypto digest costs tens; it is reached through `process.getBuiltinModule`
 * so that no static Node import exists. Elsewhere (browsers, edge workers) Web Crypto is used.
 */
export function loadNodeCrypto(
  proc: { getBuiltinModule?: (id: string) => unknown } | null | undefined = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process,
): NodeCrypto | null {
  const crypto = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  return typeof crypto?.createHash === 'function' ? crypto : null;
}

const nodeCrypto = loadNodeCrypto();
const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * SHA-256 of `head` (method, path and query) followed by `body`, as `sha256:<base64url>`.
 * Exposed for tests of the Web Crypto path (pass `null`); `nodeImpl` defaults to the built-in module.
 */
export async function sha256Fingerprint(
  head: string,
  body: Uint8Array,
  nodeImpl: NodeCrypto | null = nodeCrypto,
): Promise<string> {
  if (nodeImpl !== null) {
    return `sha256:${nodeImpl.createHash('sha256').update(head).update(body).digest('base64url')}`;
  }
  const headBytes = encoder.encode(head);
  const all = new Uint8Array(headBytes.length + body.length);
  all.set(headBytes, 0);
  all.set(body, headBytes.length);
  const digest = await crypto.subtle.digest('SHA-256', all);
  return `sha256:${base64url(new Uint8Array(digest))}`;
}

/**
 * {@link defaultFingerprint}'s value, as a string where `node:crypto` hashes synchronously
 * (Node, Deno, Bun) and a promise elsewhere: what the middleware calls for the default, so
 * that a request does not wait a turn of the microtask queue for a hash already computed.
 *
 * @param request - the request as the middleware sees it
 * @param nodeImpl - `node:crypto`, or `null` for Web Crypto (tests)
 * @returns the fingerprint, or a promise of it
 */
export function fingerprintNow(
  request: IdempotencyRequest,
  nodeImpl: NodeCrypto | null = nodeCrypto,
): string | Promise<string> {
  const head = `${request.method}\n${request.path}${request.search}\n`;
  if (nodeImpl === null) return sha256Fingerprint(head, request.body, null);
  return `sha256:${nodeImpl.createHash('sha256').update(head).update(request.body).digest('base64url')}`;
}

/**
 * The default fingerprint: SHA-256 over the method, the path with its query, and the
 * exact body bytes, as `sha256:<base64url>`. Two requests with the same key must have the
 * same fingerprint, or the second gets 422.
 *
 * @param request - the request as the middleware sees it
 * @returns the fingerprint
 *
 * @example
 * ```ts
 * import { defaultFingerprint } from '@brace/idempotency';
 *
 * const body = new TextEncoder().encode('{"sku":"A1"}');
 * await defaultFingerprint({ method: 'POST', path: '/orders', search: '', body, raw: undefined });
 * // 'sha256:…'
 * ```
 */
export function defaultFingerprint(request: IdempotencyRequest): Promise<string> {
  return sha256Fingerprint(`${request.method}\n${request.path}${request.search}\n`, request.body);
}
