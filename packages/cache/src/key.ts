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
  /**
   * The Fetch cache mode, as `Request.cache` carries it: `no-store` skips the cache, `reload`
   * asks the origin without looking (and stores its answer), `no-cache` revalidates even a
   * fresh entry. Other modes, or none, use the cache as usual.
   */
  readonly cache?: string | undefined;
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
   * Removes credential parameters and userinfo (`user:pass@`) from `url`: the stripped URL,
   * the URL with them redacted (for events), and the credential they carried.
   */
  function strip(url: string): { url: string; safeUrl: string; credential: string } {
    const hasQuery = url.includes('?') && paramNames.size > 0;
    if (!hasQuery && !url.includes('@')) return { url, safeUrl: url, credential: '' };
    const parsed = new URL(url);
    let credential = '';
    let userinfo = false;
    if (parsed.username !== '' || parsed.password !== '') {
      // fetch refuses such URLs, but axios' http adapter sends them as Basic credentials.
      userinfo = true;
      credential += `@${parsed.username}:${parsed.password}\0`;
      parsed.username = '';
      parsed.password = '';
    }
    const kept = new URLSearchParams();
    const safe = new URLSearchParams();
    let foundParam = false;
    if (hasQuery) {
      for (const [name, value] of parsed.searchParams) {
        if (paramNames.has(name.toLowerCase())) {
          foundParam = true;
          credential += `?${name}\0${value}\0`;
          safe.append(name, 'REDACTED');
        } else {
          kept.append(name, value);
          safe.append(name, value);
        }
      }
    }
    if (!userinfo && !foundParam) return { url, safeUrl: url, credential: '' };
    if (foundParam) parsed.search = kept.toString();
    const stripped = parsed.href;
    if (foundParam) parsed.search = safe.toString();
    return { url: stripped, safeUrl: parsed.href, credential };
  }

  /**
   * The key of `request`. `record` (lower-case names, as `headerRecord` builds it) saves
   * reading the headers again. `keyUrl` (the `key` option's answer) replaces the URL in the
   * key; the credential partition is still taken from the request itself, so a `key` that
   * drops the query string cannot merge callers.
   */
  return function keyOf(
    request: CacheRequest,
    method = request.method,
    record?: Record<string, string>,
    keyUrl?: string,
  ): RequestKey | Promise<RequestKey> {
    let credential = '';
    for (const name of headerNames) {
      const value = record ? record[name] : (request.headers.get(name) ?? undefined);
      if (value !== undefined) credential += `${name}\0${value}\0`;
    }
    const own = strip(request.url);
    credential += own.credential;
    let url = own.url;
    if (keyUrl !== undefined) {
      try {
        url = strip(keyUrl).url;
      } catch {
        url = keyUrl; // not a URL: an opaque key of the caller's making
      }
    }
    const base = `${method.toUpperCase()} ${url}`;
    if (credential === '') return { key: base, safeUrl: own.safeUrl, partitioned: false };
    // Synchronous without a credential or with one already hashed, a promise only when hashing.
    const known = memo.get(credential);
    if (known !== undefined)
      return { key: `${base} #${known}`, safeUrl: own.safeUrl, partitioned: true };
    return hash(credential).then((digest) => ({
      key: `${base} #${digest}`,
      safeUrl: own.safeUrl,
      partitioned: true,
    }));
  };
}
