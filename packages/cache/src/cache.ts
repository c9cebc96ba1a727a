import { systemClock } from '@brace/core';
import { detachedCall, isConditional, RequestCall } from './call.js';
import { coalesced } from './coalesce.js';
import type { Call, Context, Origin, Outcome } from './context.js';
import { DEFAULT_ORIGIN_DOWN_MS, downReason, downState, takeProbe } from './down.js';
import { CacheOptionError } from './errors.js';
import { freshByPlan, rememberFresh } from './hit.js';
import {
  type CacheRequest,
  DEFAULT_CREDENTIAL_HEADERS,
  DEFAULT_CREDENTIAL_PARAMS,
  keyBuilder,
  type RequestKey,
} from './key.js';
import { memoryStore } from './memory-store.js';
import {
  type CacheOptions,
  DEFAULT_COALESCE_LOCK_MS,
  DEFAULT_COALESCE_POLL_MS,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REASON_HEADER,
  DEFAULT_STORE_TIMEOUT_MS,
  duration,
  emit,
  fn,
  names,
} from './options.js';
import { askOrigin } from './origin.js';
import { headerRecord, type Policy, policyClass, readDirectives, varyMatches } from './policy.js';
import { serveEntry, serveOutcome } from './serve.js';
import type { CacheEntry } from './store.js';
import { deleteEntry, getEntry, policyOf } from './store-ops.js';
import { canServeWhileRevalidating, errorFallback, withinMaxAge } from './windows.js';

/**
 * Per-call options of {@link Cache.handle}.
 *
 * @example
 * ```ts
 * import type { HandleOptions } from '@brace/cache';
 *
 * const options: HandleOptions = { signal: AbortSignal.timeout(5_000) };
 * ```
 */
export interface HandleOptions {
  /** The caller's signal: when it aborts, the error is the caller's, never answered from cache. */
  signal?: AbortSignal | undefined;
}

/**
 * An HTTP cache for one client. The adapters (`@brace/cache/fetch`, `/ky`, `/axios`) call
 * {@link Cache.handle}; call it yourself to put the cache in front of anything that answers a
 * `Response`.
 *
 * @example
 * ```ts
 * import { createCache } from '@brace/cache';
 *
 * const cache = createCache({ staleIfErrorMs: 3_600_000 });
 * const request = new Request('https://api.example.com/v1/rates');
 * const response = await cache.handle(request, (conditional) =>
 *   fetch(request.url, { headers: { ...Object.fromEntries(request.headers), ...conditional } }),
 * );
 * ```
 */
export interface Cache {
  /**
   * Answers `request` from the cache or from `origin`. `origin` receives the validators to add
   * for a revalidation (`if-none-match`, `if-modified-since`), or `undefined`. Only GET and
   * HEAD are cached; other methods go to the origin, and a successful unsafe one (POST, PUT,
   * PATCH, DELETE) invalidates the stored GET and HEAD answers for its URL.
   */
  handle(request: CacheRequest, origin: Origin, options?: HandleOptions): Promise<Response>;
  /**
   * Answers `request` only when no origin request is needed: a fresh entry, or a stale one
   * when `originBlocked` names a reason (`stale: breaker-open`). `undefined` otherwise. The ky
   * adapter calls it in `beforeRequest`, before a breaker hook can throw.
   */
  match(request: CacheRequest): Promise<Response | undefined>;
  /** Removes the stored GET and HEAD answers for `request`'s URL (in its credential partition). */
  invalidate(request: CacheRequest): Promise<void>;
}

const CACHED_METHODS = new Set(['GET', 'HEAD']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Fetch cache modes that must not be answered from a stored entry. */
const SKIPPING_MODES = new Set(['no-store', 'reload', 'no-cache']);
/** What a lookup found: the usable entry and its policy, and the answer when no origin request is needed. */
interface Found {
  entry: CacheEntry | undefined;
  policy: Policy | undefined;
  answer: Response | undefined;
  /** The answer is stale because the origin counts as down (a background probe may start). */
  down: boolean;
}

/**
 * Creates an HTTP cache: RFC 9111 for GET and HEAD (freshness, `Vary`, `ETag`/`Last-Modified`
 * revalidation, `no-store`, `no-cache`, `must-revalidate`, `private`) through
 * `http-cache-semantics`; stale-if-error on 5xx, 429, connection errors, timeouts and
 * breaker/limiter refusals; stale-while-revalidate; last-known-good; coalescing of concurrent
 * misses. Requests with credentials are cached per credential (a hash in the key), never
 * shared. Every answer from the cache carries `Age` and the reason header (`brace-cache:
 * fresh`), and `cacheStatusOf(response)` tells the same.
 *
 * @param options - see {@link CacheOptions}
 * @returns the cache
 * @example
 * ```ts
 * import { createCache } from '@brace/cache';
 * import { cachedFetch } from '@brace/cache/fetch';
 *
 * const cache = createCache({ staleIfErrorMs: 3_600_000, lastKnownGood: { maxAgeMs: 86_400_000 } });
 * const get = cachedFetch(cache);
 * const rates = await (await get('https://api.example.com/v1/rates')).json();
 * ```
 */
export function createCache(options: CacheOptions = {}): Cache {
  const clock = options.clock ?? systemClock;
  const maxAgeMs = duration('maxAgeMs', options.maxAgeMs, DEFAULT_MAX_AGE_MS, 1);
  const lkg = options.lastKnownGood;
  const lastKnownGoodMs = duration(
    'lastKnownGood',
    typeof lkg === 'object' && lkg !== null ? lkg.maxAgeMs : lkg,
    0,
  );
  const coalesceOption = options.coalesce ?? true;
  const coalesceObject = typeof coalesceOption === 'object' ? coalesceOption : {};
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0 || maxBodyBytes > 2 ** 31) {
    throw new CacheOptionError('maxBodyBytes', `an integer from 0 to ${2 ** 31}`);
  }
  const reasonHeader = options.reasonHeader ?? DEFAULT_REASON_HEADER;
  if (
    reasonHeader !== false &&
    (typeof reasonHeader !== 'string' || !/^[!#-'*+.^-`|~\w-]+$/.test(reasonHeader))
  ) {
    throw new CacheOptionError('reasonHeader', 'a header name or false');
  }
  fn('key', options.key);
  fn('originBlocked', options.originBlocked);
  const credentialHeaders = names(
    'credentials.headers',
    options.credentials?.headers,
    DEFAULT_CREDENTIAL_HEADERS,
  );
  const credentialParams = names(
    'credentials.params',
    options.credentials?.params,
    DEFAULT_CREDENTIAL_PARAMS,
  );
  const ctx: Context = {
    store: options.store ?? memoryStore({ clock }),
    clock,
    policies: policyClass(clock),
    maxAgeMs,
    staleIfErrorMs: duration('staleIfErrorMs', options.staleIfErrorMs, 0),
    staleWhileRevalidateMs: duration('staleWhileRevalidateMs', options.staleWhileRevalidateMs, 0),
    lastKnownGoodMs,
    storeTimeoutMs: duration('storeTimeoutMs', options.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS, 1),
    maxBodyBytes,
    coalesce: coalesceOption !== false,
    ownStore: options.store === undefined,
    lockMs: duration('coalesce.lockMs', coalesceObject.lockMs, DEFAULT_COALESCE_LOCK_MS, 1),
    pollMs: duration('coalesce.pollMs', coalesceObject.pollMs, DEFAULT_COALESCE_POLL_MS, 1),
    reasonHeader,
    originDownMs: duration('originDownMs', options.originDownMs, DEFAULT_ORIGIN_DOWN_MS),
    down: downState(),
    options,
    flights: new Map(),
    hydrated: new WeakMap(),
    plans: new WeakMap(),
    date: { second: Number.NaN, text: '' },
  };
  const salt = options.credentials?.salt ?? '';
  if (typeof salt !== 'string') throw new CacheOptionError('credentials.salt', 'a string');
  const keyOf = keyBuilder(credentialHeaders, credentialParams, salt);
  const credentialSet = new Set(credentialHeaders.map((h) => h.toLowerCase()));

  /** The call for `request`: synchronous unless a credential must be hashed. */
  function callOf(
    request: CacheRequest,
    method: string,
    signal?: AbortSignal,
  ): Call | Promise<Call> {
    const headers = headerRecord(request.headers);
    const rk = keyOf(request, method, headers, options.key?.(request));
    return rk instanceof Promise
      ? rk.then((k) => callFrom(request, method, signal, headers, k))
      : callFrom(request, method, signal, headers, rk);
  }

  function callFrom(
    request: CacheRequest,
    method: string,
    signal: AbortSignal | undefined,
    headers: Record<string, string>,
    rk: RequestKey,
  ): Call {
    if (rk.partitioned) for (const name of credentialSet) delete headers[name];
    // Fetch's `cache: 'no-cache'` sends `Cache-Control: max-age=0` on the wire; the cache sees
    // the mode, not that header, so it adds the request directive itself.
    if (request.cache === 'no-cache') headers['cache-control'] = 'no-cache';
    return new RequestCall(
      method,
      rk,
      headers,
      signal,
      request.headers,
      rk.partitioned ? credentialSet : undefined,
    );
  }

  function refreshInBackground(
    call: Call,
    origin: Origin,
    entry: Parameters<typeof askOrigin>[3],
    policy: Parameters<typeof askOrigin>[4],
  ) {
    if (ctx.flights.has(call.key)) return;
    const detached = detachedCall(call);
    const flight = askOrigin(ctx, detached, origin, entry, policy, true).then(async (outcome) => {
      if (outcome.type === 'stream') await outcome.response.body?.cancel().catch(() => {});
      if (outcome.type === 'error')
        emit(options.onRefreshError, { url: call.url, error: outcome.error });
      return outcome;
    });
    ctx.flights.set(call.key, flight);
    void flight.finally(() => ctx.flights.delete(call.key));
  }

  /** RFC 9111 freshness for this request; decided from the entry's plan when it can. */
  function isFresh(call: Call, entry: CacheEntry, policy: Policy): boolean {
    const known = freshByPlan(ctx, call, entry, policy);
    if (known !== undefined) return known;
    if (!policy.satisfiesWithoutRevalidation(call.policyRequest)) return false;
    rememberFresh(ctx, call, entry, policy);
    return true;
  }

  /**
   * The usable entry for `call`, and the answer when one needs no origin request. Synchronous
   * when the store is (a memory hit waits for no tick).
   */
  function lookup(call: Call, request: CacheRequest): Found | Promise<Found> {
    const read = getEntry(ctx, call.key);
    return read instanceof Promise
      ? read.then((entry) => decide(call, request, entry))
      : decide(call, request, read);
  }

  function decide(call: Call, request: CacheRequest, stored: CacheEntry | undefined): Found {
    let entry = stored;
    let policy = entry && policyOf(ctx, entry);
    if (
      entry &&
      (!policy ||
        !(entry.meta.vary === null || varyMatches(entry.meta.vary, call.headers)) ||
        !withinMaxAge(ctx, entry))
    ) {
      entry = undefined;
      policy = undefined;
    }
    let answer: Response | undefined;
    let down = false;
    if (entry && policy) {
      if (entry.meta.kind === 'http' && isFresh(call, entry, policy)) {
        answer = serveEntry(ctx, call, entry, policy, 'fresh');
      } else {
        let blocked: string | false | null | undefined;
        try {
          blocked = options.originBlocked?.(request);
        } catch {
          // A throwing predicate is treated as "not blocked": the request goes on.
        }
        // A connection error or timeout just now: answer at once, marked with that failure,
        // rather than wait for the transport to fail again.
        const failed = blocked ? undefined : downReason(ctx, call.url);
        const why = blocked || failed ? errorFallback(ctx, entry, policy) : undefined;
        if (why !== undefined) {
          answer = serveEntry(
            ctx,
            call,
            entry,
            policy,
            blocked ? `stale: ${blocked}` : `${why}: ${failed}`,
          );
          down = !blocked;
        }
      }
    }
    return { entry, policy, answer, down };
  }

  async function invalidate(request: CacheRequest): Promise<void> {
    for (const method of CACHED_METHODS) {
      const call = await callOf(request, method);
      await deleteEntry(ctx, call.key);
    }
  }

  return {
    async match(request) {
      const method = request.method.toUpperCase();
      if (!CACHED_METHODS.has(method) || SKIPPING_MODES.has(request.cache as string)) {
        return undefined;
      }
      const made = callOf(request, method);
      const call = made instanceof Promise ? await made : made;
      if (isConditional(call)) return undefined;
      const found = lookup(call, request);
      return (found instanceof Promise ? await found : found).answer;
    },

    async handle(request, origin, handleOptions = {}) {
      const method = request.method.toUpperCase();
      const signal = handleOptions.signal;
      if (!CACHED_METHODS.has(method)) {
        emit(options.onBypass, { method, url: (await keyOf(request)).safeUrl, reason: 'method' });
        const response = await origin(undefined);
        if (!SAFE_METHODS.has(method) && response.status < 400) await invalidate(request);
        return response;
      }
      const made = callOf(request, method, signal);
      const call = made instanceof Promise ? await made : made;
      if (isConditional(call)) {
        emit(options.onBypass, { method, url: call.url, reason: 'conditional' });
        return origin(undefined);
      }
      if (request.cache === 'no-store') {
        emit(options.onBypass, { method, url: call.url, reason: 'cache-mode' });
        return origin(undefined);
      }
      if (request.cache === 'reload') {
        // The origin's answer, stored as usual; nothing read, nothing stale on failure.
        return serveOutcome(ctx, call, await askOrigin(ctx, call, origin, undefined, undefined));
      }
      const found = lookup(call, request);
      const { entry, policy, answer, down } = found instanceof Promise ? await found : found;
      if (answer !== undefined) {
        // Served stale because the origin is down: now and then, find out in the background.
        if (down && takeProbe(ctx, call.url)) {
          refreshInBackground(call, origin, entry, policy);
        }
        return answer;
      }
      if (
        entry &&
        policy &&
        !readDirectives(call.policyRequest.headers['cache-control'] ?? null, false).noStale &&
        canServeWhileRevalidating(ctx, entry, policy)
      ) {
        refreshInBackground(call, origin, entry, policy);
        return serveEntry(ctx, call, entry, policy, 'stale-while-revalidate');
      }
      const outcome: Outcome = ctx.coalesce
        ? await coalesced(ctx, call, origin, entry, policy)
        : await askOrigin(ctx, call, origin, entry, policy);
      return serveOutcome(ctx, call, outcome);
    },

    invalidate,
  };
}
