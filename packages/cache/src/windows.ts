import type { Context } from './context.js';
import type { Policy } from './policy.js';
import type { CacheEntry, CacheEntryMeta } from './store.js';

/** Milliseconds the entry is past its freshness (negative while fresh). */
export function stalenessMs(policy: Policy): number {
  return (policy.age() - policy.maxAge()) * 1000;
}

function sieWindow(ctx: Context, meta: CacheEntryMeta): number {
  return Math.min(meta.staleIfErrorMs ?? ctx.staleIfErrorMs, ctx.maxAgeMs);
}

function swrWindow(ctx: Context, meta: CacheEntryMeta): number {
  return Math.min(meta.staleWhileRevalidateMs ?? ctx.staleWhileRevalidateMs, ctx.maxAgeMs);
}

/** True while the entry is younger than the hard limit `maxAgeMs`. */
export function withinMaxAge(ctx: Context, entry: CacheEntry): boolean {
  return ctx.clock.now() - entry.meta.storedAt <= ctx.maxAgeMs;
}

/**
 * Whether the entry may answer when the origin failed or refused, and as what:
 * `stale-if-error` within its stale-if-error window, `last-known-good` within the
 * last-known-good age, else `undefined`. Never for entries that forbid stale answers.
 */
export function errorFallback(
  ctx: Context,
  entry: CacheEntry,
  policy: Policy,
): 'stale-if-error' | 'last-known-good' | undefined {
  const { meta } = entry;
  if (meta.noStale || !withinMaxAge(ctx, entry)) return undefined;
  if (meta.kind === 'http' && stalenessMs(policy) <= sieWindow(ctx, meta)) return 'stale-if-error';
  if (ctx.lastKnownGoodMs > 0 && ctx.clock.now() - meta.storedAt <= ctx.lastKnownGoodMs) {
    return 'last-known-good';
  }
  return undefined;
}

/** Whether a stale entry may be served while it is refreshed in the background. */
export function canServeWhileRevalidating(
  ctx: Context,
  entry: CacheEntry,
  policy: Policy,
): boolean {
  const { meta } = entry;
  if (meta.kind !== 'http' || meta.noStale || !withinMaxAge(ctx, entry)) return false;
  const stale = stalenessMs(policy);
  return stale > 0 && stale <= swrWindow(ctx, meta);
}

/**
 * How long the store keeps a new entry: its freshness, plus the stale windows it allows, at
 * least the last-known-good age for 2xx, the whole `maxAgeMs` when it has validators (worth
 * revalidating), and never more than `maxAgeMs`.
 */
export function keepMs(
  ctx: Context,
  meta: CacheEntryMeta,
  policy: Policy,
  hasValidators: boolean,
): number {
  let keep = Math.max(0, -stalenessMs(policy));
  if (meta.kind === 'http') {
    if (!meta.noStale) keep += Math.max(sieWindow(ctx, meta), swrWindow(ctx, meta));
    if (hasValidators) keep = ctx.maxAgeMs;
  }
  if (!meta.noStale && meta.status >= 200 && meta.status < 300) {
    keep = Math.max(keep, ctx.lastKnownGoodMs);
  }
  return Math.min(keep, ctx.maxAgeMs);
}
