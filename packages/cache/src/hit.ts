import type { Call, Context } from './context.js';
import type { Policy } from './policy.js';
import type { CacheEntry } from './store.js';

/**
 * What a hit needs from an entry, worked out once per entry object (the memory store hands the
 * same object back on every hit): the headers `http-cache-semantics` serves, without the two it
 * recomputes per answer (`Age`, `Date`), and, once a plain request was found fresh, the
 * freshness lifetime that decides the next plain requests without re-evaluating the policy.
 */
export interface HitPlan {
  /** `policy.responseHeaders()` without `age` and `date`, as a header list. */
  headers: Array<[string, string]>;
  /** `policy.maxAge()`, seconds; set once a plain request was satisfied without revalidation. */
  maxAge?: number;
  /** The `host` request header of that request (the library compares it). */
  host?: string | undefined;
}

/**
 * Past this age (seconds) `http-cache-semantics` may add a `113` warning to a heuristically
 * fresh answer: the plan is not used then, the library computes the headers itself.
 */
const PLAN_MAX_AGE_S = 86_400;

/** The plan of `entry`, built on first use. */
export function planOf(ctx: Context, entry: CacheEntry, policy: Policy): HitPlan {
  let plan = ctx.plans.get(entry);
  if (plan === undefined) {
    const record = policy.responseHeaders() as Record<string, string>;
    const headers: Array<[string, string]> = [];
    for (const name in record) {
      if (name !== 'age' && name !== 'date' && name !== ctx.reasonHeader) {
        headers.push([name, record[name] as string]);
      }
    }
    plan = { headers };
    ctx.plans.set(entry, plan);
  }
  return plan;
}

/**
 * True when a plain request (no `Cache-Control`, no `Pragma`) is answered fresh by the entry,
 * decided from the remembered freshness lifetime: the same answer as
 * `policy.satisfiesWithoutRevalidation()` for an entry without `Vary` that already satisfied a
 * plain request with the same `host` (so no `must-revalidate`, same URL and method by its key).
 * `undefined` when the plan cannot decide (the caller then asks the policy).
 */
export function freshByPlan(
  ctx: Context,
  call: Call,
  entry: CacheEntry,
  policy: Policy,
): boolean | undefined {
  if (!call.plain) return undefined;
  const plan = ctx.plans.get(entry);
  if (plan?.maxAge === undefined || plan.host !== call.policyRequest.headers.host) return undefined;
  const age = policy.age();
  if (age > PLAN_MAX_AGE_S) return undefined;
  return age < plan.maxAge;
}

/** Remembers that a plain request found `entry` fresh (entries without `Vary` only). */
export function rememberFresh(ctx: Context, call: Call, entry: CacheEntry, policy: Policy): void {
  if (!call.plain || entry.meta.vary !== null) return;
  const plan = planOf(ctx, entry, policy);
  plan.maxAge = policy.maxAge();
  plan.host = call.policyRequest.headers.host;
}

/**
 * The answer's headers: the plan's list plus `age`, `date` (the second's string, memoised) and
 * the reason header; `undefined` past {@link PLAN_MAX_AGE_S}, where the library decides.
 */
export function hitHeaders(
  ctx: Context,
  entry: CacheEntry,
  policy: Policy,
  age: number,
  reason: string,
): Array<[string, string]> | undefined {
  if (age > PLAN_MAX_AGE_S) return undefined;
  const plan = planOf(ctx, entry, policy);
  const headers = plan.headers.slice();
  headers.push(['age', `${Math.round(age)}`], ['date', httpDate(ctx, ctx.clock.now())]);
  if (ctx.reasonHeader !== false) headers.push([ctx.reasonHeader, reason]);
  return headers;
}

/** `new Date(ms).toUTCString()`, computed once per second. */
function httpDate(ctx: Context, ms: number): string {
  const second = Math.floor(ms / 1000);
  if (ctx.date.second !== second) {
    ctx.date.second = second;
    ctx.date.text = new Date(second * 1000).toUTCString();
  }
  return ctx.date.text;
}
