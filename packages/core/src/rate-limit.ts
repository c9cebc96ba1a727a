import type { HeadersInput } from './headers.js';
import { field, prefixed, shopify } from './rate-limit-fields.js';
import { toBase64 } from './sf-chars.js';
import { type Dictionary, type InnerList, type Item, type List, Token } from './sf-values.js';
import { parseDictionary, parseList } from './structured-fields.js';

export { EPOCH_MILLISECONDS_THRESHOLD, EPOCH_SECONDS_THRESHOLD } from './rate-limit-fields.js';

/**
 * Which header form a {@link RateLimitInfo} was read from:
 * `ietf` (draft-ietf-httpapi-ratelimit-headers-10 `RateLimit` / `RateLimit-Policy`),
 * `ietf-draft07` (the `RateLimit: limit=.., remaining=.., reset=..` dictionary),
 * `ratelimit-fields` (the `RateLimit-Limit/-Remaining/-Reset` trio of drafts 01-06),
 * `x-ratelimit` (`X-RateLimit-*`, including GitHub's `-Used`/`-Resource`),
 * `x-rate-limit` (`X-Rate-Limit-*`) and `shopify` (`X-Shopify-Shop-Api-Call-Limit`).
 *
 * @example
 * ```ts
 * import { parseRateLimit, type RateLimitSource } from '@brace/core';
 *
 * const source: RateLimitSource | undefined = parseRateLimit({ 'x-ratelimit-remaining': '4' })?.source; // 'x-ratelimit'
 * ```
 */
export type RateLimitSource =
  | 'ietf'
  | 'ietf-draft07'
  | 'ratelimit-fields'
  | 'x-ratelimit'
  | 'x-rate-limit'
  | 'shopify';

/**
 * One quota policy a server announced in `RateLimit-Policy` (draft-10: `"burst";q=100;w=60`;
 * draft-07: `100;w=60`, whose policies have the name `''`). Not to be confused with
 * `RateLimitPolicy`, the limit Brace enforces: `policyFromHeader` turns one into the other.
 *
 * @example
 * ```ts
 * import { parseRateLimit, type RateLimitHeaderPolicy } from '@brace/core';
 *
 * const policies: RateLimitHeaderPolicy[] | undefined = parseRateLimit({
 *   'ratelimit-policy': '"burst";q=100;w=60',
 * })?.policies; // [{ name: 'burst', quota: 100, windowSec: 60 }]
 * ```
 */
export interface RateLimitHeaderPolicy {
  /** The policy's name (`''` for draft-07 policies, which have none). */
  name: string;
  /** The quota (`q`): how many units the window allows. */
  quota: number;
  /** The window (`w`) in seconds, when given. */
  windowSec?: number;
  /** What the quota counts (`qu`), when given; the draft's default is `requests`. */
  quotaUnit?: 'requests' | 'content-bytes' | 'concurrent-requests';
  /** The partition key (`pk`, a byte sequence), as base64. */
  partitionKey?: string;
}

/**
 * What a response's rate-limit headers say. Every numeric field is finite and non-negative.
 *
 * @example
 * ```ts
 * import { parseRateLimit, type RateLimitInfo } from '@brace/core';
 *
 * const info: RateLimitInfo | undefined = parseRateLimit({ ratelimit: 'limit=100, remaining=50, reset=5' });
 * // { limit: 100, remaining: 50, resetMs: 5000, source: 'ietf-draft07' }
 * ```
 */
export interface RateLimitInfo {
  /** The quota of the current window. */
  limit?: number;
  /** Units left in the current window. */
  remaining?: number;
  /** Milliseconds until the window resets (epoch resets are converted using `now`). */
  resetMs?: number;
  /** The quota policies the server announced (`RateLimit-Policy`). */
  policies?: RateLimitHeaderPolicy[];
  /** The partition key (`pk`) of the reported limit, as base64. */
  partitionKey?: string;
  /** Units already used (GitHub `x-ratelimit-used`, Shopify's first number). */
  used?: number;
  /** Which quota the numbers are about (GitHub `x-ratelimit-resource`, e.g. `core`, `search`). */
  resource?: string;
  /** Which header form the numbers come from. */
  source: RateLimitSource;
}

/** A non-negative Integer parameter, else undefined. */
function intParam(member: Item | InnerList, key: string): number | undefined {
  const value = member.params.get(key);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function isItem(member: Item | InnerList): member is Item {
  return !('items' in member);
}

function tryList(text: string | undefined): List | undefined {
  if (text === undefined) return undefined;
  try {
    return parseList(text);
  } catch {
    return undefined;
  }
}

function tryDictionary(text: string | undefined): Dictionary | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDictionary(text);
  } catch {
    return undefined;
  }
}

function name(member: Item): string | undefined {
  const value = member.value;
  if (typeof value === 'string') return value;
  return value instanceof Token ? value.value : undefined;
}

function partitionKey(member: Item | InnerList): string | undefined {
  const pk = member.params.get('pk');
  return pk instanceof Uint8Array ? toBase64(pk) : undefined;
}

const UNITS = new Set(['requests', 'content-bytes', 'concurrent-requests']);

function parsePolicies(list: List | undefined): RateLimitHeaderPolicy[] {
  const policies: RateLimitHeaderPolicy[] = [];
  if (list === undefined) return policies;
  for (const member of list) {
    if (!isItem(member)) continue;
    let policyName = name(member);
    let quota = intParam(member, 'q');
    if (policyName === undefined && quota === undefined) {
      // draft-07: `100;w=60`, the quota is the item itself.
      const value = member.value;
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
        policyName = '';
        quota = value;
      }
    }
    if (policyName === undefined || quota === undefined) continue;
    const policy: RateLimitHeaderPolicy = { name: policyName, quota };
    const window = intParam(member, 'w');
    if (window !== undefined && window > 0) policy.windowSec = window;
    const unit = member.params.get('qu');
    if (typeof unit === 'string' && UNITS.has(unit)) {
      policy.quotaUnit = unit as RateLimitHeaderPolicy['quotaUnit'];
    }
    const pk = partitionKey(member);
    if (pk !== undefined) policy.partitionKey = pk;
    policies.push(policy);
  }
  return policies;
}

/** draft-10: `RateLimit: "default";r=50;t=30` with `RateLimit-Policy`. */
function ietf(
  list: List | undefined,
  policies: RateLimitHeaderPolicy[],
): RateLimitInfo | undefined {
  let chosen: Item | undefined;
  let chosenR = 0;
  let chosenT = -1;
  for (const member of list ?? []) {
    if (!isItem(member) || name(member) === undefined) continue;
    const r = intParam(member, 'r');
    if (r === undefined) continue;
    const t = intParam(member, 't') ?? -1;
    // The most constraining limit: fewest remaining, then the longest wait.
    if (chosen === undefined || r < chosenR || (r === chosenR && t > chosenT)) {
      chosen = member;
      chosenR = r;
      chosenT = t;
    }
  }
  if (chosen === undefined) return undefined;
  const info: RateLimitInfo = { remaining: chosenR, source: 'ietf' };
  const chosenName = name(chosen);
  const policy = policies.find((p) => p.name === chosenName);
  if (policy !== undefined) info.limit = policy.quota;
  if (chosenT >= 0) info.resetMs = chosenT * 1000;
  if (policies.length > 0) info.policies = policies;
  const pk = partitionKey(chosen);
  if (pk !== undefined) info.partitionKey = pk;
  return info;
}

/** Only `RateLimit-Policy` was sent: the quotas are known, the current state is not. */
function policiesOnly(policies: RateLimitHeaderPolicy[]): RateLimitInfo | undefined {
  if (policies.length === 0) return undefined;
  const draft10 = policies.some((p) => p.name !== '');
  const info: RateLimitInfo = { policies, source: draft10 ? 'ietf' : 'ietf-draft07' };
  if (policies.length === 1) info.limit = (policies[0] as RateLimitHeaderPolicy).quota;
  return info;
}

function dictNumber(dict: Dictionary, key: string): number | undefined {
  const member = dict.get(key);
  if (member === undefined || !isItem(member)) return undefined;
  const value = member.value;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** draft-07: `RateLimit: limit=100, remaining=50, reset=5`. */
function draft07(
  dict: Dictionary | undefined,
  policies: RateLimitHeaderPolicy[],
): RateLimitInfo | undefined {
  if (dict === undefined) return undefined;
  const limit = dictNumber(dict, 'limit');
  const remaining = dictNumber(dict, 'remaining');
  const reset = dictNumber(dict, 'reset');
  if (limit === undefined && remaining === undefined && reset === undefined) return undefined;
  const info: RateLimitInfo = { source: 'ietf-draft07' };
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (reset !== undefined) info.resetMs = reset * 1000;
  if (policies.length > 0) info.policies = policies;
  return info;
}

/**
 * A `Headers` object without any rate-limit field name cannot yield a result: one pass over
 * the names is much cheaper than the dozen lookups below (most responses carry none).
 */
function mayCarryRateLimit(headers: HeadersInput): boolean {
  if (typeof Headers === 'undefined' || !(headers instanceof Headers)) return true;
  for (const name of headers.keys()) {
    if (name.includes('ratelimit') || name.includes('rate-limit') || name.includes('call-limit')) {
      return true;
    }
  }
  return false;
}

/**
 * Reads every common rate-limit header form into one {@link RateLimitInfo}.
 *
 * Forms, in order of preference when several are present (the first usable one wins):
 * 1. IETF draft-10: `RateLimit: "default";r=50;t=30` with
 *    `RateLimit-Policy: "burst";q=100;w=60,"daily";q=1000;w=86400` (`limit` is the `q` of the
 *    policy named like the `RateLimit` item; with several items the one with the fewest
 *    remaining wins; `t` is always delta seconds).
 * 2. IETF draft-07 dictionary: `RateLimit: limit=100, remaining=50, reset=5`.
 * 3. The trio `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`.
 * 4. `X-RateLimit-Limit/-Remaining/-Reset`, with GitHub's `x-ratelimit-used` and `-resource`.
 * 5. `X-Rate-Limit-Limit/-Remaining/-Reset`.
 * 6. Shopify's `X-Shopify-Shop-Api-Call-Limit: 32/40`.
 * 7. `RateLimit-Policy` alone: only `policies` (and `limit` when there is one policy).
 *
 * **Reset rule** for forms 3-5, whose reset is delta seconds at some providers and an epoch
 * at others: a value below `1e9` ({@link EPOCH_SECONDS_THRESHOLD}) is delta seconds; from `1e9`
 * up to `1e12` ({@link EPOCH_MILLISECONDS_THRESHOLD}) it is Unix epoch seconds (GitHub, X);
 * from `1e12` it is epoch milliseconds. An epoch in the past gives `resetMs: 0`.
 *
 * Malformed fields are ignored, as the IETF draft requires; this function never throws.
 *
 * @param headers - the response headers
 * @param now - the current time in epoch ms, for epoch resets; defaults to `Date.now()`
 * @returns what the headers say, or `undefined` when no form gave a usable number
 *
 * @example
 * ```ts
 * import { parseRateLimit } from '@brace/core';
 *
 * parseRateLimit(new Headers({
 *   'RateLimit-Policy': '"burst";q=100;w=60,"daily";q=1000;w=86400',
 *   RateLimit: '"burst";r=0;t=30',
 * }));
 * // { limit: 100, remaining: 0, resetMs: 30000, policies: [...], source: 'ietf' }
 *
 * parseRateLimit({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000060' }, 1700000000000);
 * // { remaining: 0, resetMs: 60000, source: 'x-ratelimit' }
 * ```
 */
export function parseRateLimit(
  headers: HeadersInput,
  now: number = Date.now(),
): RateLimitInfo | undefined {
  if (!mayCarryRateLimit(headers)) return undefined;
  const rateLimit = field(headers, 'ratelimit');
  const policies = parsePolicies(tryList(field(headers, 'ratelimit-policy')));
  const list = tryList(rateLimit);
  return (
    ietf(list, policies) ??
    draft07(tryDictionary(rateLimit), policies) ??
    prefixed(headers, 'ratelimit', 'ratelimit-fields', now) ??
    prefixed(headers, 'x-ratelimit', 'x-ratelimit', now) ??
    prefixed(headers, 'x-rate-limit', 'x-rate-limit', now) ??
    shopify(headers) ??
    policiesOnly(policies)
  );
}
