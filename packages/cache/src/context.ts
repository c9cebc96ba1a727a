import type { Clock } from '@brace/core';
import type { DownState } from './down.js';
import type { HitPlan } from './hit.js';
import type { CacheOptions } from './options.js';
import type { Policy, PolicyClass } from './policy.js';
import type { CacheEntry, CacheStore } from './store.js';

/**
 * How the cache reaches the origin: called for misses and revalidations with the conditional
 * headers to add (`if-none-match`, `if-modified-since`), or `undefined` for a plain request.
 * `options.background` is true for a stale-while-revalidate refresh, which outlives the
 * caller's request: do not pass the caller's abort signal to it.
 *
 * @example
 * ```ts
 * import type { Origin } from '@brace/cache';
 *
 * const url = 'https://api.example.com/v1/rates';
 * const origin: Origin = (conditional) => fetch(url, { headers: { accept: 'application/json', ...conditional } });
 * ```
 */
export type Origin = (
  conditional?: Record<string, string>,
  options?: {
    /** True for a background refresh (stale-while-revalidate): it must not use the caller's signal. */
    readonly background: boolean;
  },
) => Promise<Response>;

/** What one origin request produced, shared by every request coalesced on it. */
export type Outcome =
  | { type: 'entry'; entry: CacheEntry; policy: Policy; reason: string }
  | {
      type: 'bytes';
      status: number;
      statusText: string;
      headers: Array<[string, string]>;
      body: Uint8Array;
      vary: Record<string, string> | null;
      /** The response set a cookie: it is this caller's alone, never shared with followers. */
      setsCookie: boolean;
    }
  | { type: 'stream'; response: Response }
  | {
      type: 'error';
      error: unknown;
      /** The caller's own signal ended it (an abort or its deadline): not shared with followers. */
      aborted: boolean;
    };

/** The resolved options and state of one cache, shared by its modules. */
export interface Context {
  store: CacheStore;
  clock: Clock;
  policies: PolicyClass;
  maxAgeMs: number;
  staleIfErrorMs: number;
  staleWhileRevalidateMs: number;
  lastKnownGoodMs: number;
  storeTimeoutMs: number;
  maxBodyBytes: number;
  coalesce: boolean;
  /**
   * The store is this cache's own memory store: nothing else (no other cache, no other process)
   * reads or writes it, so the flights map is all the coalescing it needs — no store lock, no
   * double-check under it.
   */
  ownStore: boolean;
  lockMs: number;
  pollMs: number;
  reasonHeader: string | false;
  /** How long an origin counts as down after a connection error or timeout (0: never). */
  originDownMs: number;
  /** Origins that failed at the transport, and their probes. */
  down: DownState;
  options: CacheOptions;
  /** In-flight origin requests by key. */
  flights: Map<string, Promise<Outcome>>;
  /** Hydrated policies by entry (entries are never mutated). */
  hydrated: WeakMap<CacheEntry, Policy>;
  /** Header lists and remembered freshness by entry (see `hit.ts`). */
  plans: WeakMap<CacheEntry, HitPlan>;
  /** The last `Date` header string and its second. */
  date: { second: number; text: string };
}

/** One request as the modules see it. */
export interface Call {
  method: string;
  key: string;
  url: string;
  partitioned: boolean;
  headers: Headers;
  /** The request as `http-cache-semantics` reads it: sanitised URL, no credential headers. */
  policyRequest: { url: string; method: string; headers: Record<string, string> };
  signal: AbortSignal | undefined;
  /** No `Cache-Control` and no `Pragma` in the request: freshness alone decides a hit. */
  plain: boolean;
}
