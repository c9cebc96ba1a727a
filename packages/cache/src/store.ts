/**
 * What the cache stores about one response, besides its body. Plain JSON: stores serialise it
 * as they like (the Redis and SQLite stores keep it as a JSON string).
 *
 * @example
 * ```ts
 * import type { CacheEntryMeta } from '@brace/cache';
 *
 * function describe(meta: CacheEntryMeta) {
 *   return `${meta.status} stored at ${new Date(meta.storedAt).toISOString()}`;
 * }
 * ```
 */
export interface CacheEntryMeta {
  /** Format version (1). */
  v: 1;
  /** `http`: cacheable by RFC 9111; `lkg`: kept only as a last-known-good fallback. */
  kind: 'http' | 'lkg';
  /** The response status. */
  status: number;
  /** Epoch ms when the response was received (or last revalidated). */
  storedAt: number;
  /** The serialised `CachePolicy` of `http-cache-semantics` (`toObject()`). */
  policy: Record<string, unknown>;
  /** The request's values of the headers the response varies on (lower-case names); `null` when it does not vary. */
  vary: Record<string, string> | null;
  /** True when the response forbids serving it stale (`must-revalidate`, `no-cache`, ...). */
  noStale: boolean;
  /** The response's `stale-if-error`, in ms, when it sent one. */
  staleIfErrorMs?: number;
  /** The response's `stale-while-revalidate`, in ms, when it sent one. */
  staleWhileRevalidateMs?: number;
}

/**
 * One stored response: its metadata and its exact body bytes.
 *
 * @example
 * ```ts
 * import type { CacheEntry } from '@brace/cache';
 *
 * const size = (entry: CacheEntry) => entry.body.byteLength;
 * ```
 */
export interface CacheEntry {
  /** Status, policy and stale windows. */
  meta: CacheEntryMeta;
  /** The body, byte for byte. */
  body: Uint8Array;
}

/**
 * Where the cache keeps entries. Every method may be synchronous or return a promise, and may
 * throw or reject: the cache turns a failure into "no caching" plus an `onStoreError` event,
 * never into a failed request. Keys are opaque strings the cache builds (method, URL without
 * credentials, and a hash of the credential when there is one); they never contain a secret.
 *
 * `lock`/`unlock` are optional: a store that has them (Redis, SQLite) lets concurrent misses in
 * several processes make one origin request; without them coalescing is per process.
 *
 * @example
 * ```ts
 * import type { CacheEntry, CacheStore } from '@brace/cache';
 *
 * const map = new Map<string, CacheEntry>();
 * const store: CacheStore = {
 *   get: (key) => map.get(key),
 *   set: (key, entry) => void map.set(key, entry),
 *   delete: (key) => void map.delete(key),
 * };
 * ```
 */
export interface CacheStore {
  /** The entry under `key`, or `undefined` when there is none or it expired. */
  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>;
  /** Stores `entry` under `key` for `ttlMs` milliseconds (at least 1), replacing any entry. */
  set(key: string, entry: CacheEntry, ttlMs: number): void | Promise<void>;
  /** Removes the entry under `key`, if any. */
  delete(key: string): void | Promise<void>;
  /**
   * Tries to take a short lock on `key` for `ttlMs`: resolves a token when taken, `undefined`
   * when another holder has it. The lock expires on its own after `ttlMs`.
   */
  lock?(key: string, ttlMs: number): string | undefined | Promise<string | undefined>;
  /** Releases the lock on `key` if `token` still holds it. */
  unlock?(key: string, token: string): void | Promise<void>;
}
