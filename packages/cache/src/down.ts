import type { Context } from './context.js';

/**
 * Default `originDownMs`: 1 s. After a connection error or a timeout, for this long, GETs to
 * the same origin whose entry may be served on failure are answered stale at once, marked with
 * that failure (`stale-if-error: network`), instead of each waiting for the transport to fail
 * again.
 *
 * @example
 * ```ts
 * import { DEFAULT_ORIGIN_DOWN_MS } from '@brace/cache';
 *
 * console.log(DEFAULT_ORIGIN_DOWN_MS); // 1000
 * ```
 */
export const DEFAULT_ORIGIN_DOWN_MS = 1_000;

/** Most origins remembered as down at once; the oldest mark goes first. */
export const MAX_DOWN_ORIGINS = 1024;

/** Failure reasons that say the transport itself did not answer (slow to learn, worth remembering). */
const TRANSPORT_FAILURES = new Set(['network', 'timeout']);

/** `scheme://host:port` of an absolute URL, without parsing it. */
export function originOf(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url;
  const end = url.indexOf('/', scheme + 3);
  return end < 0 ? url : url.slice(0, end);
}

/** The origin state of one cache: which origins failed at the transport, until when. */
export interface DownState {
  /** Origin → the time (clock ms) until which it counts as down, and why (`network`, `timeout`). */
  until: Map<string, { until: number; reason: string }>;
  /** Origin → the time before which no new background probe starts. */
  probe: Map<string, number>;
}

/** A new, empty state. */
export function downState(): DownState {
  return { until: new Map(), probe: new Map() };
}

/** Records a transport failure (`network`, `timeout`) for the origin of `url`. */
export function markFailure(ctx: Context, url: string, reason: string): void {
  if (ctx.originDownMs <= 0 || !TRANSPORT_FAILURES.has(reason)) return;
  const origin = originOf(url);
  const { until } = ctx.down;
  until.delete(origin); // re-inserted last: the map's order is the age of the marks
  if (until.size >= MAX_DOWN_ORIGINS) {
    const oldest = until.keys().next().value as string;
    until.delete(oldest);
    ctx.down.probe.delete(oldest);
  }
  const now = ctx.clock.now();
  until.set(origin, { until: now + ctx.originDownMs, reason });
  // The first background probe halfway through the window: a probe that fails marks the origin
  // down again, so a dead origin stays down (one probe per half window) without callers waiting.
  ctx.down.probe.set(origin, now + ctx.originDownMs / 2);
}

/** Records that the origin of `url` answered (any status): it is no longer down. */
export function markAnswered(ctx: Context, url: string): void {
  if (ctx.down.until.size === 0) return;
  const origin = originOf(url);
  ctx.down.until.delete(origin);
  ctx.down.probe.delete(origin);
}

/** Why the origin of `url` counts as down (`network`, `timeout`), or `undefined` when it does not. */
export function downReason(ctx: Context, url: string): string | undefined {
  if (ctx.down.until.size === 0) return undefined;
  const origin = originOf(url);
  const mark = ctx.down.until.get(origin);
  if (mark === undefined) return undefined;
  if (ctx.clock.now() < mark.until) return mark.reason;
  ctx.down.until.delete(origin);
  ctx.down.probe.delete(origin);
  return undefined;
}

/**
 * True when a background probe of the down origin of `url` may start now: at most one per half
 * `originDownMs`, so a dead origin sees a request now and then, not one per caller.
 */
export function takeProbe(ctx: Context, url: string): boolean {
  const origin = originOf(url);
  const now = ctx.clock.now();
  const next = ctx.down.probe.get(origin);
  if (next !== undefined && now < next) return false;
  ctx.down.probe.set(origin, now + ctx.originDownMs / 2);
  return true;
}
