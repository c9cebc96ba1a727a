/**
 * The part of a request the cache reads: a `Request` fits, so does a plain object.
 *
 * @example
 * ```ts
 * import type { CacheRequest } from '@brace/cache';
 *
 * const request: CacheRequest = { method: 'GET', url: 'https://api.example.com/v1/rates', headers: new Headers() };
 * ```
 */
export interface CacheRequest {
  /** The method, e.g. `GET`. */
  readonly method: string;
  /** The absolute URL. */
  readonly url: string;
  /** The request headers. */
  readonly headers: Headers;
}

/**
 * Request headers that carry a credential by default: a request with one of them is cached in
 * a partition of its own, keyed by a hash of the credential.
 *
 * @example
 * ```ts
 * import { DEFAULT_CREDENTIAL_HEADERS } from '@brace/cache';
 *
 * console.log(DEFAULT_CREDENTIAL_HEADERS.includes('authorization')); // true
 * ```
 */
export const DEFAULT_CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
]);

/**
 * Query parameters that carry a credential by default. They are removed from the cache key
 * (and from every event) and hashed into the partition instead.
 *
 * @example
 * ```ts
 * import { DEFAULT_CREDENTIAL_PARAMS } from '@brace/cache';
 *
 * console.log(DEFAULT_CREDENTIAL_PARAMS.includes('api_key')); // true
 * ```
 */
export const DEFAULT_CREDENTIAL_PARAMS: readonly string[] = Object.freeze([
  'api_key',
  'apikey',
  'api-key',
  'access_token',
  'token',
  'key',
  'sig',
  'signature',
]);

/** Where a request's cache entry lives, and the URL safe to report. */
export interface RequestKey {
  /** The store key: method, URL without credential params, partition hash. */
  key: string;
  /** The URL with credential params replaced by `REDACTED`: safe for events. */
  safeUrl: string;
  /** True when the request carried a credential (the cache is then private to it). */
  partitioned: boolean;
}

const encoder = new TextEncoder();
const HASH_MEMO_LIMIT = 1024;

/** Builds keys for one cache: credential names, a memo of credential hashes (bounded). */
export function keyBuilder(headers: readonly string[], params: readonly string[], salt = '') {
  const headerNames = headers.map((h) => h.toLowerCase());
  const paramNames = new Set(params.map((p) => p.toLowerCase()));
  const memo = new Map<string, string>();

  async function hash(credential: string): Promise<string> {
    const known = memo.get(credential);
    if (known !== undefined) return known;
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', encoder.encode(`brace-cache\0${salt}\0${credential}`)),
    );
    let hex = '';
    for (let i = 0; i < 16; i++) hex += (digest[i] as number).toString(16).padStart(2, '0');
    if (memo.size >= HASH_MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
    memo.set(credential, hex);
    return hex;
  }

  /**
   * The key of `request`. `record` (lower-case names, as `headerRecord` builds it) saves
   * reading the headers again.
   */
  return async function keyOf(
    request: CacheRequest,
    method = request.method,
    record?: Record<string, string>,
  ): Promise<RequestKey> {
    let credential = '';
    for (const name of headerNames) {
      const value = record ? record[name] : (request.headers.get(name) ?? undefined);
      if (value !== undefined) credential += `${name}\0${value}\0`;
    }
    let url = request.url;
    let safeUrl = url;
    if (url.includes('?') && paramNames.size > 0) {
      const parsed = new URL(url);
      const kept = new URLSearchParams();
      const safe = new URLSearchParams();
      let found = false;
      for (const [name, value] of parsed.searchParams) {
        if (paramNames.has(name.toLowerCase())) {
          found = true;
          credential += `?${name}\0${value}\0`;
          safe.append(name, 'REDACTED');
        } else {
          kept.append(name, value);
          safe.append(name, value);
        }
      }
      if (found) {
        parsed.search = kept.toString();
        url = parsed.href;
        parsed.search = safe.toString();
        safeUrl = parsed.href;
      }
    }
    const base = `${method.toUpperCase()} ${url}`;
    if (credential === '') return { key: base, safeUrl, partitioned: false };
    return { key: `${base} #${await hash(credential)}`, safeUrl, partitioned: true };
  };
}
