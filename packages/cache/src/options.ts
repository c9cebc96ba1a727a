import type { Clock } from '@brace/core';
import { CacheOptionError } from './errors.js';
import type { CacheRequest } from './key.js';
import type { CacheStore } from './store.js';

/**
 * Default hard limit on how long any entry is kept, whatever its headers say: 1 day.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_AGE_MS } from '@brace/cache';
 *
 * console.log(DEFAULT_MAX_AGE_MS); // 86400000
 * ```
 */
export const DEFAULT_MAX_AGE_MS = 86_400_000;

/**
 * Default largest body the cache stores: 5 MiB. A larger body passes through uncached.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BODY_BYTES } from '@brace/cache';
 *
 * console.log(DEFAULT_MAX_BODY_BYTES); // 5242880
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Default lock time of cross-process coalescing: 5 s. A process waiting for another's origin
 * request gives up and asks the origin itself after this long.
 *
 * @example
 * ```ts
 * import { DEFAULT_COALESCE_LOCK_MS } from '@brace/cache';
 *
 * console.log(DEFAULT_COALESCE_LOCK_MS); // 5000
 * ```
 */
export const DEFAULT_COALESCE_LOCK_MS = 5_000;

/**
 * Default poll interval of a process waiting for another's stored result: 20 ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_COALESCE_POLL_MS } from '@brace/cache';
 *
 * console.log(DEFAULT_COALESCE_POLL_MS); // 20
 * ```
 */
export const DEFAULT_COALESCE_POLL_MS = 20;

/**
 * Default longest wait for one store operation: 1 s. A store slower than that counts as
 * failed for that request (an `onStoreError` event, no caching), so a hung store never hangs
 * requests.
 *
 * @example
 * ```ts
 * import { DEFAULT_STORE_TIMEOUT_MS } from '@brace/cache';
 *
 * console.log(DEFAULT_STORE_TIMEOUT_MS); // 1000
 * ```
 */
export const DEFAULT_STORE_TIMEOUT_MS = 1_000;

/**
 * Default name of the response header that says why an answer came from the cache.
 *
 * @example
 * ```ts
 * import { DEFAULT_REASON_HEADER } from '@brace/cache';
 *
 * console.log(DEFAULT_REASON_HEADER); // 'brace-cache'
 * ```
 */
export const DEFAULT_REASON_HEADER = 'brace-cache';

/**
 * An answer served from the cache: every `onServe` call receives one.
 *
 * @example
 * ```ts
 * import type { ServeEvent } from '@brace/cache';
 *
 * const log = (e: ServeEvent) => console.log(`${e.method} ${e.url}: ${e.reason}, age ${e.ageMs} ms`);
 * ```
 */
export interface ServeEvent {
  /** `fresh`, `revalidated`, `stale-while-revalidate`, `stale-if-error: 503`, `last-known-good: timeout`, `stale: breaker-open` ... */
  reason: string;
  /** The request method. */
  method: string;
  /** The URL with credential parameters redacted. */
  url: string;
  /** The stored response's status. */
  status: number;
  /** The answer's age in milliseconds (the `Age` header is this in seconds). */
  ageMs: number;
}

/**
 * A request the cache sent to the origin (a miss, a revalidation, a background refresh).
 *
 * @example
 * ```ts
 * import type { MissEvent } from '@brace/cache';
 *
 * const log = (e: MissEvent) => console.log(`${e.url}: ${e.revalidation ? 'revalidating' : 'miss'}`);
 * ```
 */
export interface MissEvent {
  /** The request method. */
  method: string;
  /** The URL with credential parameters redacted. */
  url: string;
  /** True when the request carried validators from a stored entry. */
  revalidation: boolean;
  /** True when it ran in the background (stale-while-revalidate). */
  background: boolean;
}

/**
 * A response stored (or refreshed) in the cache.
 *
 * @example
 * ```ts
 * import type { StoreEvent } from '@brace/cache';
 *
 * const log = (e: StoreEvent) => console.log(`stored ${e.bytes} B for ${e.ttlMs} ms`);
 * ```
 */
export interface StoreEvent {
  /** The request method. */
  method: string;
  /** The URL with credential parameters redacted. */
  url: string;
  /** `http` (cacheable by RFC 9111) or `lkg` (last-known-good only). */
  kind: 'http' | 'lkg';
  /** How long the store keeps it. */
  ttlMs: number;
  /** Body size. */
  bytes: number;
}

/**
 * A response the cache did not store, and why: `too-large`, `vary-star`, `not-storable`
 * (`no-store`, `private` without credentials, uncacheable status ...), `conditional` (the
 * caller sent its own validators or a Range), `method` (not GET or HEAD), `cache-mode` (the
 * request's Fetch `cache` mode is `no-store`).
 *
 * @example
 * ```ts
 * import type { BypassEvent } from '@brace/cache';
 *
 * const log = (e: BypassEvent) => console.log(`${e.url} not cached: ${e.reason}`);
 * ```
 */
export interface BypassEvent {
  /** The request method. */
  method: string;
  /** The URL with credential parameters redacted. */
  url: string;
  /** Why it was not stored. */
  reason: 'too-large' | 'vary-star' | 'not-storable' | 'conditional' | 'method' | 'cache-mode';
}

/**
 * A store operation failed; the request went on without the cache.
 *
 * @example
 * ```ts
 * import type { StoreErrorEvent } from '@brace/cache';
 *
 * const log = (e: StoreErrorEvent) => console.warn(`cache store ${e.operation} failed`, e.error);
 * ```
 */
export interface StoreErrorEvent {
  /** `get`, `set`, `delete`, `lock` or `unlock`. */
  operation: string;
  /** What the store threw. */
  error: unknown;
}

/**
 * A request that waited for another one's origin request instead of making its own.
 *
 * @example
 * ```ts
 * import type { CoalesceEvent } from '@brace/cache';
 *
 * const log = (e: CoalesceEvent) => console.log(`${e.url} coalesced (${e.scope})`);
 * ```
 */
export interface CoalesceEvent {
  /** The request method. */
  method: string;
  /** The URL with credential parameters redacted. */
  url: string;
  /** `process`: joined an in-flight request here; `store`: waited for another process's result. */
  scope: 'process' | 'store';
}

/**
 * A background refresh (stale-while-revalidate) failed; the stale entry stays.
 *
 * @example
 * ```ts
 * import type { RefreshErrorEvent } from '@brace/cache';
 *
 * const log = (e: RefreshErrorEvent) => console.warn(`refresh of ${e.url} failed`);
 * ```
 */
export interface RefreshErrorEvent {
  /** The URL with credential parameters redacted. */
  url: string;
  /** What the origin call threw. */
  error: unknown;
}

/**
 * Options of `createCache`. Every duration is in milliseconds.
 *
 * @example
 * ```ts
 * import { createCache, type CacheOptions } from '@brace/cache';
 *
 * const options: CacheOptions = { staleIfErrorMs: 3_600_000, lastKnownGood: { maxAgeMs: 86_400_000 } };
 * const cache = createCache(options);
 * ```
 */
export interface CacheOptions {
  /** Where entries live. Default: a `memoryStore()` of its own. */
  store?: CacheStore;
  /** Longest wait for one store operation (1 ms to 1 year); past it the request goes on without the cache. Default {@link DEFAULT_STORE_TIMEOUT_MS}. */
  storeTimeoutMs?: number;
  /** Hard limit on how long any entry is kept or served, whatever its headers say (1 ms to 1 year). Default {@link DEFAULT_MAX_AGE_MS}. */
  maxAgeMs?: number;
  /** How long past freshness a response may be served when the origin fails, for responses without a `stale-if-error` directive. Default 0. */
  staleIfErrorMs?: number;
  /** How long past freshness a response may be served while it is refreshed in the background, for responses without a `stale-while-revalidate` directive. Default 0. */
  staleWhileRevalidateMs?: number;
  /**
   * Last-known-good, for providers that send no cache headers: keep the last 2xx answer per
   * request for `maxAgeMs` (or this many ms when a number) and serve it only when the origin
   * fails. Never for `no-store`, `no-cache` or `must-revalidate` answers. Default: off.
   */
  lastKnownGood?:
    | number
    | {
        /** How long the last 2xx answer is kept and may be served on failure, ms. */
        maxAgeMs: number;
      };
  /** Coalesce concurrent misses for one key (in process; across processes when the store has `lock`). Default true. */
  coalesce?:
    | boolean
    | {
        /** How long a cross-process lock holds before others ask the origin themselves. Default {@link DEFAULT_COALESCE_LOCK_MS}. */
        lockMs?: number;
        /** How often a waiting process looks for the holder's stored result. Default {@link DEFAULT_COALESCE_POLL_MS}. */
        pollMs?: number;
      };
  /** Replaces the URL in the key, e.g. to drop tracking parameters (the method and the credential partition are still added; credential parameters are still removed). */
  key?: (request: CacheRequest) => string;
  /** Which request headers and query parameters are credentials. Default {@link DEFAULT_CREDENTIAL_HEADERS}, {@link DEFAULT_CREDENTIAL_PARAMS}. */
  credentials?: {
    /** Request header names that carry a credential (case-insensitive). */
    headers?: readonly string[];
    /** Query parameter names that carry a credential (case-insensitive). */
    params?: readonly string[];
    /**
     * A secret mixed into the credential hash, so that keys in a shared store cannot be matched
     * against guessed credentials. Every process sharing a store must use the same one.
     */
    salt?: string;
  };
  /** Bodies larger than this (bytes) pass through uncached. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /**
   * Asked before a stale or last-known-good entry would be revalidated: return a reason (e.g.
   * `'breaker-open'`) and the entry is served at once as `stale: <reason>`, the origin untouched.
   */
  originBlocked?: (request: CacheRequest) => string | false | null | undefined;
  /**
   * After a connection error or a timeout, how long (0 to 1 year, 0 = off) the origin
   * (`scheme://host:port`) counts as down: GETs whose entry may be served on failure are
   * answered at once, marked with that failure (`stale-if-error: network`, `stale-if-error:
   * timeout`), instead of each waiting for the transport to fail again,
   * and one request per half window probes the origin in the background; any answer from the
   * origin ends it. Default `DEFAULT_ORIGIN_DOWN_MS` (1 s).
   */
  originDownMs?: number;
  /** The response header carrying the reason of a cached answer; `false` for none. Default {@link DEFAULT_REASON_HEADER}. */
  reasonHeader?: string | false;
  /** The source of time. Default `systemClock` from `@brace/core`. */
  clock?: Clock;
  /** An answer came from the cache. */
  onServe?: (event: ServeEvent) => void;
  /** The cache asked the origin. */
  onMiss?: (event: MissEvent) => void;
  /** A response was stored. */
  onStore?: (event: StoreEvent) => void;
  /** A response was not stored. */
  onBypass?: (event: BypassEvent) => void;
  /** A store operation failed (the request went on without the cache). */
  onStoreError?: (event: StoreErrorEvent) => void;
  /** A request waited for another's origin request. */
  onCoalesce?: (event: CoalesceEvent) => void;
  /** A background refresh failed. */
  onRefreshError?: (event: RefreshErrorEvent) => void;
}

const YEAR_MS = 365 * 86_400_000;

/** Validates a duration option: an integer from `min` to one year. */
export function duration(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > YEAR_MS) {
    throw new CacheOptionError(name, `an integer number of milliseconds from ${min} to ${YEAR_MS}`);
  }
  return value;
}

/** Validates a function option. */
export function fn<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new CacheOptionError(name, 'a function');
  }
  return value;
}

/** Validates a list of names. */
export function names(name: string, value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new CacheOptionError(name, 'an array of non-empty strings');
  }
  return value as string[];
}

/** Calls an event callback; a throwing callback never breaks the request. */
export function emit<E>(callback: ((event: E) => void) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    callback(event);
  } catch {
    // Observers cannot break requests.
  }
}
