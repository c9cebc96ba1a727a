import { readLimited } from './body.js';
import type { Call, Context, Origin, Outcome } from './context.js';
import { markAnswered, markFailure } from './down.js';
import { classifyError, isFailureStatus } from './failure.js';
import { emit } from './options.js';
import {
  MAX_DIRECTIVE_HEADER_LENGTH,
  type Policy,
  readDirectives,
  responseRecord,
  varyValues,
} from './policy.js';
import type { CacheEntry, CacheEntryMeta } from './store.js';
import { deleteEntry, setEntry } from './store-ops.js';
import { errorFallback, keepMs } from './windows.js';

const SECOND = 1000;

async function bypass(
  ctx: Context,
  call: Call,
  reason: 'too-large' | 'vary-star' | 'not-storable',
  response: Response,
  replacing: boolean,
): Promise<Outcome> {
  emit(ctx.options.onBypass, { method: call.method, url: call.url, reason });
  // A newer answer that cannot be stored supersedes the stored one: it must not be served
  // stale later, after the origin said otherwise.
  if (replacing && response.status < 400) await deleteEntry(ctx, call.key);
  return { type: 'stream', response };
}

/** The stale answer for a failure, if the entry allows one. */
function fallback(
  ctx: Context,
  entry: CacheEntry | undefined,
  policy: Policy | undefined,
  reason: string,
  refusal: boolean,
): Outcome | undefined {
  if (entry === undefined || policy === undefined) return undefined;
  const why = errorFallback(ctx, entry, policy);
  if (why === undefined) return undefined;
  return {
    type: 'entry',
    entry,
    policy,
    reason: refusal ? `stale: ${reason}` : `${why}: ${reason}`,
  };
}

/**
 * Asks the origin (with validators when there is an entry to revalidate) and turns the answer
 * into an {@link Outcome}: a stale answer on failure when allowed, the refreshed entry on a
 * matching 304, or the new response (stored when it may be).
 */
export async function askOrigin(
  ctx: Context,
  call: Call,
  origin: Origin,
  entry: CacheEntry | undefined,
  policy: Policy | undefined,
  background = false,
): Promise<Outcome> {
  let conditional: Record<string, string> | undefined;
  if (entry?.meta.kind === 'http' && policy !== undefined) {
    const all = policy.revalidationHeaders(call.policyRequest);
    for (const name of ['if-none-match', 'if-modified-since']) {
      const value = all[name];
      if (typeof value === 'string') {
        conditional ??= {};
        conditional[name] = value;
      }
    }
  }
  // Read once per miss, and no event built for no one (the option may be a getter).
  const onMiss = ctx.options.onMiss;
  if (onMiss !== undefined) {
    emit(onMiss, {
      method: call.method,
      url: call.url,
      revalidation: conditional !== undefined,
      background,
    });
  }
  let response: Response;
  try {
    response = await origin(conditional, { background });
  } catch (error) {
    const c = classifyError(error, call.signal);
    if (c.kind === 'failure') markFailure(ctx, call.url, c.reason);
    if (c.kind !== 'abort') {
      const stale = fallback(ctx, entry, policy, c.reason, c.kind === 'refusal');
      if (stale !== undefined) return stale;
    }
    // The caller's own signal (an abort or its deadline) ended it: that error is the caller's
    // alone, never shared with coalesced followers.
    return { type: 'error', error, aborted: c.kind === 'abort' || call.signal?.aborted === true };
  }
  markAnswered(ctx, call.url);
  if (isFailureStatus(response.status)) {
    const stale = fallback(ctx, entry, policy, String(response.status), false);
    if (stale !== undefined) {
      await response.body?.cancel().catch(() => {});
      return stale;
    }
  }
  if (response.status === 304 && conditional !== undefined && entry && policy) {
    const directives = readDirectives(response.headers.get('cache-control'), !call.partitioned);
    const revalidated = policy.revalidatedPolicy(call.policyRequest, {
      status: 304,
      headers: responseRecord(response.headers, directives),
    });
    if (!revalidated.matches) {
      // RFC 9111 §4.3.4: a 304 that matches no stored response updates nothing; ask afresh.
      await response.body?.cancel().catch(() => {});
      return askOrigin(ctx, call, origin, undefined, undefined, background);
    }
    if (!revalidated.modified) {
      const next = revalidated.policy;
      const updated = entryFor(ctx, call, entry.meta.status, next, entry.body, entry.meta.vary);
      await save(ctx, call, updated, next, true);
      return { type: 'entry', entry: updated, policy: next, reason: 'revalidated' };
    }
  }
  // The common answer of an API that says nothing about caching, with nothing stored to
  // replace: passed through at once (no policy, no store call, no further async step).
  if (entry === undefined && !response.headers.has('vary') && nothingToStore(ctx, response)) {
    const onBypass = ctx.options.onBypass;
    if (onBypass !== undefined) {
      emit(onBypass, { method: call.method, url: call.url, reason: 'not-storable' });
    }
    return { type: 'stream', response };
  }
  return storeResponse(ctx, call, response, entry !== undefined);
}

/**
 * No freshness (no Cache-Control, Expires or Last-Modified for a heuristic), no validator, and
 * no last-known-good to keep: nothing would be stored, so no policy is built for it.
 */
function nothingToStore(ctx: Context, response: Response): boolean {
  const headers = response.headers;
  return (
    ctx.lastKnownGoodMs === 0 &&
    !headers.has('cache-control') &&
    !headers.has('expires') &&
    !headers.has('last-modified') &&
    !headers.has('etag')
  );
}

/** Builds an entry from a policy (its headers carry the directives). */
function entryFor(
  ctx: Context,
  call: Call,
  status: number,
  policy: Policy,
  body: Uint8Array,
  vary: Record<string, string> | null,
): CacheEntry {
  const object = policy.toObject() as unknown as Record<string, unknown>;
  const headers = object.resh as Record<string, string>;
  // The library keeps every request header when the response varies, but reads only the
  // varied ones: store those alone (no trace ids, no secret in a header we do not know).
  const reqh = object.reqh as Record<string, string> | null;
  if (reqh) {
    const kept: Record<string, string> = {};
    for (const name of Object.keys(vary ?? {}))
      if (Object.hasOwn(reqh, name)) kept[name] = reqh[name] as string;
    object.reqh = kept;
  }
  const d = readDirectives(headers['cache-control'] ?? null, !call.partitioned);
  const cacheable = policy.storable() && (policy.maxAge() > 0 || hasValidators(headers));
  const meta: CacheEntryMeta = {
    v: 1,
    kind: cacheable ? 'http' : 'lkg',
    status,
    // When the answer arrived (the policy's response time), not when its body finished:
    // maxAgeMs and the Age header count from the same instant.
    storedAt: typeof object.t === 'number' ? object.t : ctx.clock.now(),
    policy: object,
    vary,
    noStale: d.noStale,
  };
  if (d.staleIfError !== undefined) meta.staleIfErrorMs = d.staleIfError * SECOND;
  if (d.staleWhileRevalidate !== undefined)
    meta.staleWhileRevalidateMs = d.staleWhileRevalidate * SECOND;
  return { meta, body };
}

function hasValidators(headers: Record<string, string>): boolean {
  return headers.etag !== undefined || headers['last-modified'] !== undefined;
}

async function save(
  ctx: Context,
  call: Call,
  entry: CacheEntry,
  policy: Policy,
  replacing: boolean,
): Promise<void> {
  const headers = entry.meta.policy.resh as Record<string, string>;
  const ttlMs = keepMs(ctx, entry.meta, policy, hasValidators(headers));
  if (ttlMs <= 0) {
    // The origin's latest word keeps nothing: the older entry must not outlive it.
    if (replacing) await deleteEntry(ctx, call.key);
    return;
  }
  ctx.hydrated.set(entry, policy);
  if (await setEntry(ctx, call.key, entry, ttlMs)) {
    emit(ctx.options.onStore, {
      method: call.method,
      url: call.url,
      kind: entry.meta.kind,
      ttlMs,
      bytes: entry.body.byteLength,
    });
  }
}

/** Stores a new origin response when RFC 9111 or last-known-good allows; passes it through otherwise. */
async function storeResponse(
  ctx: Context,
  call: Call,
  response: Response,
  replacing: boolean,
): Promise<Outcome> {
  const cc = response.headers.get('cache-control');
  const varyHeader = response.headers.get('vary');
  if (
    (cc?.length ?? 0) > MAX_DIRECTIVE_HEADER_LENGTH ||
    (varyHeader?.length ?? 0) > MAX_DIRECTIVE_HEADER_LENGTH
  ) {
    return bypass(ctx, call, 'not-storable', response, replacing);
  }
  const vary = varyHeader === null ? null : varyValues(varyHeader, call.headers);
  if (vary === '*') return bypass(ctx, call, 'vary-star', response, replacing);
  if (nothingToStore(ctx, response)) return bypass(ctx, call, 'not-storable', response, replacing);
  const shared = !call.partitioned;
  const directives = readDirectives(cc, shared);
  const requestDirectives = readDirectives(call.headers.get('cache-control'), shared);
  const record = responseRecord(response.headers, directives);
  const policy = ctx.policies.create(
    call.policyRequest,
    { status: response.status, headers: record },
    shared,
  );
  const ok2xx = response.status >= 200 && response.status < 300;
  // A shared answer that sets a cookie belongs to the caller it opened a session for: not kept
  // for others unless it says `public` (what http-cache-semantics does; it never sees
  // Set-Cookie here, since that is never stored).
  const cookieBound = shared && response.headers.has('set-cookie') && !directives.public;
  const lkgEligible =
    !cookieBound &&
    ctx.lastKnownGoodMs > 0 &&
    ok2xx &&
    !directives.noStale &&
    !requestDirectives.noStore &&
    !(shared && directives.private);
  // Decided before reading the body: an answer that will not be kept (`no-cache` or
  // `max-age=0` without validators, an event stream) passes through as it streams.
  const httpKind =
    !cookieBound && policy.storable() && (policy.maxAge() > 0 || hasValidators(record));
  if (!httpKind && !lkgEligible) return bypass(ctx, call, 'not-storable', response, replacing);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > ctx.maxBodyBytes) return bypass(ctx, call, 'too-large', response, replacing);
  const read = await readLimited(response, ctx.maxBodyBytes);
  if ('overflow' in read) return bypass(ctx, call, 'too-large', read.overflow, replacing);
  await save(
    ctx,
    call,
    entryFor(ctx, call, response.status, policy, read.bytes, vary),
    policy,
    replacing,
  );
  return {
    type: 'bytes',
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body: read.bytes,
    vary,
    setsCookie: response.headers.has('set-cookie'),
  };
}
