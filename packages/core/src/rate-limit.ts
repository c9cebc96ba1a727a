import type { HeadersInput } from './headers.js';
import { field, prefixed, shopify } from './rate-limit-fields.js';
import { toBase64 } from './sf-chars.js';
import {
  type Dictionary,
  type InnerList,
  type Item,
  type List,
  numberValue,
  Token,
} from './sf-values.js';
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

/** Marks a count that is present but malformed (negative, or not a number). */
const MALFORMED = -1;

/** A non-negative Integer or Decimal (`r=0.0`), undefined when absent, else MALFORMED. */
function count(value: Item['value'] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = numberValue(value);
  return n !== undefined && n >= 0 ? n : MALFORMED;
}

/** A non-negative numeric parameter, else undefined (absent or malformed alike). */
function countParam(member: Item | InnerList, key: string): number | undefined {
  const n = count(member.params.get(key));
  return n === MALFORMED ? undefined : n;
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
    let quota = countParam(member, 'q');
    if (policyName === undefined && quota === undefined) {
      // draft-07: `100;w=60`, the quota is the item itself.
      const value = count(member.value);
      if (value !== MALFORMED) {
        policyName = '';
        quota = value;
      }
    }
    if (policyName === undefined || quota === undefined) continue;
    const policy: RateLimitHeaderPolicy = { name: policyName, quota };
    const window = countParam(member, 'w');
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

/** One usable draft-10 `RateLimit` item: remaining (`r`) and/or reset (`t`). */
interface Candidate {
  member: Item;
  r: number | undefined;
  t: number | undefined;
}

/** Does `a` constrain more than `b`? Known remaining first (fewest), then the longest wait. */
function moreConstraining(a: Candidate, b: Candidate): boolean {
  if (a.r !== undefined && b.r === undefined) return true;
  if (a.r === undefined && b.r !== undefined) return false;
  if (a.r !== undefined && b.r !== undefined && a.r !== b.r) return a.r < b.r;
  return (a.t ?? -1) > (b.t ?? -1);
}

/**
 * draft-10: `RateLimit: "default";r=50;t=30` with `RateLimit-Policy`. An item without `r`
 * (the draft's "missing remaining" example, `quota;t=1`) still carries its reset; an item
 * whose `r` is malformed is skipped. A malformed (negative, non-numeric) `t` makes the whole
 * field malformed, and it is ignored as a whole: keeping the other items could report a
 * quota with more remaining than the server allows (the draft-07 field and the trio are
 * treated the same way).
 */
function ietf(
  list: List | undefined,
  policies: RateLimitHeaderPolicy[],
): RateLimitInfo | undefined {
  let chosen: Candidate | undefined;
  for (const member of list ?? []) {
    if (!isItem(member) || name(member) === undefined) continue;
    const r = count(member.params.get('r'));
    const t = count(member.params.get('t'));
    if (t === MALFORMED) return undefined;
    if (r === MALFORMED || (r === undefined && t === undefined)) continue;
    const candidate = { member, r, t };
    if (chosen === undefined || moreConstraining(candidate, chosen)) chosen = candidate;
  }
  if (chosen === undefined) return undefined;
  const info: RateLimitInfo = { source: 'ietf' };
  const chosenName = name(chosen.member);
  const policy = policies.find((p) => p.name === chosenName);
  if (policy !== undefined) info.limit = policy.quota;
  if (chosen.r !== undefined) info.remaining = chosen.r;
  if (chosen.t !== undefined) info.resetMs = Math.round(chosen.t * 1000);
  if (policies.length > 0) info.policies = policies;
  const pk = partitionKey(chosen.member);
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
  if (member === undefined) return undefined;
  return isItem(member) ? count(member.value) : MALFORMED;
}

/**
 * draft-07: `RateLimit: limit=100, remaining=50, reset=5`. A malformed limit or remaining is
 * ignored on its own; a malformed (e.g. negative) reset makes the whole field ignored.
 */
function draft07(
  dict: Dictionary | undefined,
  policies: RateLimitHeaderPolicy[],
): RateLimitInfo | undefined {
  if (dict === undefined) return undefined;
  const reset = dictNumber(dict, 'reset');
  if (reset === MALFORMED) return undefined;
  const limit = usable(dictNumber(dict, 'limit'));
  const remaining = usable(dictNumber(dict, 'remaining'));
  if (limit === undefined && remaining === undefined && reset === undefined) return undefined;
  const info: RateLimitInfo = { source: 'ietf-draft07' };
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (reset !== undefined) info.resetMs = Math.round(reset * 1000);
  if (policies.length > 0) info.policies = policies;
  return info;
}

function usable(n: number | undefined): number | undefined {
  return n === MALFORMED ? undefined : n;
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
 * **Numbers.** Every count (limit, remaining, used, reset, `q`, `w`, `r`, `t`) accepts a
 * non-negative Integer or Decimal: providers send `x-ratelimit-remaining: 0.0` and `2499.0`,
 * which are read as 0 and 2499 (a fractional count is kept as sent). A draft-10 item that
 * carries only `t` (the draft's "missing remaining" example, `RateLimit: quota;t=1`) gives
 * `resetMs` without `remaining`.
 *
 * **Malformed fields are ignored**, as the IETF draft requires, and this function never
 * throws. A malformed limit or remaining is dropped on its own; a malformed (e.g. negative)
 * reset discards the reading as a whole: the whole draft-10 `RateLimit` field (even when other
 * items are well-formed), the draft-07 field, or the whole trio / `X-RateLimit-*` /
 * `X-Rate-Limit-*` form (the next form is read instead). A field value longer than 4,096
 * characters is malformed.
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
