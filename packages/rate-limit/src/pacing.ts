import { DEFAULT_MAX_KEYS } from '@brace/core';
import type { RateLimitPolicy } from './store.js';

/**
 * Default safety margin: every policy's window is enforced this much longer, at most 10% of
 * the window: 50 ms. What the provider counts is *arrivals*, and the time from our start to
 * its arrival varies (a new connection takes longer than a reused one, a busy process sends
 * late): without a margin, two of our windows' worth of starts can land in one of its windows.
 * A policy of 50/s is enforced as 50 per 1,050 ms (47.6/s); 10 per 100 ms as 10 per 110 ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_SAFETY_MARGIN_MS } from '@brace/rate-limit';
 *
 * console.log(DEFAULT_SAFETY_MARGIN_MS); // 50
 * ```
 */
export const DEFAULT_SAFETY_MARGIN_MS = 50;

/**
 * Default pacing: `'smooth'` spaces a key's starts evenly (`(intervalMs + margin) / limit`
 * apart for the tightest sliding-log policy, scaled by cost) instead of granting a window's
 * whole `limit` at once, as GCRA with `burst: 1` does. `'burst'` grants as fast as the
 * policies allow.
 *
 * @example
 * ```ts
 * import { DEFAULT_PACING } from '@brace/rate-limit';
 *
 * console.log(DEFAULT_PACING); // 'smooth'
 * ```
 */
export const DEFAULT_PACING = 'smooth';

/**
 * Default `windowFrom`: `'settle'` — a task's units in a sliding-log policy count from its
 * start until `intervalMs` after it *settles*, not after it starts. A provider counts
 * arrivals, and a request arrives somewhere between our start and the end of the task that
 * sent it, however late its process, its connection or the provider's event loop ran: a
 * later start can then never share a provider window with it, on one process or across
 * processes sharing a store (no margin guesses that time). The cost: each unit is held for
 * the task's duration longer (a 200 ms request at 50/s: 50 per 1.25 s at worst). `'start'`
 * counts from the start only (a store without `settle` always does).
 *
 * @example
 * ```ts
 * import { DEFAULT_WINDOW_FROM } from '@brace/rate-limit';
 *
 * console.log(DEFAULT_WINDOW_FROM); // 'settle'
 * ```
 */
export const DEFAULT_WINDOW_FROM = 'settle';

/** @internal The margin a policy's window gets: `safetyMarginMs`, at most 10% of the window. */
export function marginOf(policy: RateLimitPolicy, safetyMarginMs: number): number {
  return Math.min(safetyMarginMs, policy.intervalMs * 0.1);
}

/**
 * @internal How soon after its grant a task may settle without telling the store: the
 * smallest margin of a sliding-log policy (its units already count that much longer than a
 * window from the grant, so at least a window past any arrival before the settle); never,
 * without a sliding-log policy (nothing to move).
 */
export function slackOf(policies: readonly RateLimitPolicy[], safetyMarginMs: number): number {
  let slack = Number.POSITIVE_INFINITY;
  for (const p of policies) {
    if (p.burst === undefined) slack = Math.min(slack, marginOf(p, safetyMarginMs));
  }
  return slack;
}

/** @internal The policies as the store enforces them: each window widened by its margin. */
export function enforcedPolicies(
  policies: readonly RateLimitPolicy[],
  safetyMarginMs: number,
): readonly RateLimitPolicy[] {
  if (safetyMarginMs === 0) return policies;
  return Object.freeze(
    policies.map((p) => {
      const enforced: RateLimitPolicy = {
        limit: p.limit,
        intervalMs: p.intervalMs + marginOf(p, safetyMarginMs),
      };
      if (p.burst !== undefined) enforced.burst = p.burst;
      return Object.freeze(enforced);
    }),
  );
}

/** @internal The smooth spacing per unit of cost, in ms (0: no pacing). */
export function spacingOf(
  enforced: readonly RateLimitPolicy[],
  pacing: 'smooth' | 'burst',
): number {
  if (pacing !== 'smooth') return 0;
  let spacing = 0;
  for (const p of enforced)
    if (p.burst === undefined) spacing = Math.max(spacing, p.intervalMs / p.limit);
  // Below 1 ms (over 1,000 per second) there is nothing to space on a millisecond clock.
  return spacing >= 1 ? spacing : 0;
}

/**
 * @internal When each key may start its next task (smooth pacing, server pacing, adaptive
 * mode): outlives the key's local state (forgotten whenever it holds nothing), bounded to
 * `DEFAULT_MAX_KEYS` keys (the least recently paced forgotten first: a forgotten key only
 * loses its spacing, never the store's limit).
 */
export class PaceBook {
  private readonly until = new Map<string, number>();

  constructor(private readonly maxKeys: number = DEFAULT_MAX_KEYS) {}

  /** When `key` may start next (0: now). */
  get(key: string): number {
    return this.until.get(key) ?? 0;
  }

  /** Holds `key` until `until` (never shortening). Returns the time in force. */
  hold(key: string, until: number): number {
    const map = this.until;
    const current = map.get(key);
    if (current !== undefined) {
      if (current >= until) return current;
      map.delete(key);
    } else if (map.size >= this.maxKeys) {
      map.delete(map.keys().next().value as string);
    }
    map.set(key, until);
    return until;
  }

  /** How many keys are held. */
  get size(): number {
    return this.until.size;
  }
}
