import type { Call, Context, Outcome } from './context.js';
import { hitHeaders } from './hit.js';
import { emit } from './options.js';
import type { Policy } from './policy.js';
import type { CacheEntry } from './store.js';

/**
 * Why and how old: what {@link cacheStatusOf} tells about an answer served from the cache.
 *
 * @example
 * ```ts
 * import type { CacheStatus } from '@brace/cache';
 *
 * const stale = (s: CacheStatus) => s.reason !== 'fresh' && s.reason !== 'revalidated';
 * ```
 */
export interface CacheStatus {
  /** `fresh`, `revalidated`, `stale-while-revalidate`, `stale-if-error: 503`, `last-known-good: network`, `stale: breaker-open` ... */
  readonly reason: string;
  /** The answer's age in ms (the `Age` header is this in whole seconds). */
  readonly ageMs: number;
}

type ResponseBody = ConstructorParameters<typeof Response>[0];

const statuses = new WeakMap<Response, CacheStatus>();

/**
 * Tells whether `response` was served from the cache, and why. `undefined` for answers that
 * came from the origin. The same reason is in the response's reason header (default
 * `brace-cache`), which survives clones and adapters.
 *
 * @param response - a response the cache returned
 * @returns the reason and age, or `undefined`
 * @example
 * ```ts
 * import { cacheStatusOf } from '@brace/cache';
 *
 * const response = await cachedGet('https://api.example.com/v1/rates');
 * console.log(cacheStatusOf(response)?.reason ?? 'from the origin');
 * ```
 */
export function cacheStatusOf(response: Response): CacheStatus | undefined {
  return statuses.get(response);
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Builds the answer for a stored entry, marks it, and reports it. */
export function serveEntry(
  ctx: Context,
  call: Call,
  entry: CacheEntry,
  policy: Policy,
  reason: string,
): Response {
  const age = policy.age();
  let headers: Array<[string, string]> | Headers | undefined = hitHeaders(
    ctx,
    entry,
    policy,
    age,
    reason,
  );
  if (headers === undefined) {
    const built = new Headers(policy.responseHeaders() as Record<string, string>);
    if (ctx.reasonHeader !== false) built.set(ctx.reasonHeader, reason);
    headers = built;
  }
  const status = entry.meta.status;
  const body = call.method === 'HEAD' || NULL_BODY.has(status) ? null : entry.body;
  // The Fetch standard copies a BufferSource body: callers cannot alter the stored bytes.
  const response = new Response(body as ResponseBody, { status, headers });
  const ageMs = Math.max(0, Math.round(age * 1000));
  statuses.set(response, { reason, ageMs });
  if (ctx.options.onServe !== undefined) {
    emit(ctx.options.onServe, { reason, method: call.method, url: call.url, status, ageMs });
  }
  return response;
}

/** Turns a shared {@link Outcome} into this caller's answer (or throws its error). */
export function serveOutcome(ctx: Context, call: Call, outcome: Outcome): Response {
  switch (outcome.type) {
    case 'entry':
      return serveEntry(ctx, call, outcome.entry, outcome.policy, outcome.reason);
    case 'bytes': {
      const empty = call.method === 'HEAD' || NULL_BODY.has(outcome.status);
      return new Response(empty ? null : (outcome.body as ResponseBody), {
        status: outcome.status,
        statusText: outcome.statusText,
        headers: outcome.headers,
      });
    }
    case 'stream':
      return outcome.response;
    case 'error':
      throw outcome.error;
  }
}
