import type { RateLimitPolicy } from '@brace/rate-limit';

/** Most keys whose Redis key names are kept ready per policy list (the cache is reset past it). */
const KEY_CACHE = 1024;

/** What the scripts need of one policy list, built once. */
export interface Prepared {
  suffixes: string[];
  /** ARGV without the costs: policy count, then limit, intervalMs, burst per policy. */
  head: string[];
  /** The sliding-log policies' indexes, and their intervals as `SETTLE_SCRIPT` reads them. */
  logs: number[];
  intervals: string[];
  /** Redis key names per limiter key, built once per key. */
  keys: Map<string, string[]>;
}

/**
 * @internal The Cluster hash tag of a limiter key: the key itself, except that an empty key (whose `{}`
 * Redis ignores, hashing each full key name, so one acquire's keys could sit in different
 * slots: CROSSSLOT) becomes `~`, and a key starting with `~` gets one more, so no two keys share
 * a tag.
 */
export function hashTag(key: string): string {
  return key === '' || key.charCodeAt(0) === 126 ? `~${key}` : key;
}

/** A cost as the script reads it: sliding logs round it up to whole units, GCRA does not. */
export function units(cost: number): string {
  return String(cost);
}

/** The Redis key names of a limiter's keys under `prefix`, and each policy list's ARGV. */
export function redisKeys(prefix: string) {
  const base = (key: string) => `${prefix}{${hashTag(key)}}:`;
  /** Per policy list (the limiter passes the same frozen array every time): key suffixes and ARGV. */
  const prepared = new WeakMap<readonly RateLimitPolicy[], Prepared>();
  const prepare = (policies: readonly RateLimitPolicy[]): Prepared => {
    let p = prepared.get(policies);
    if (p === undefined) {
      const suffixes: string[] = [];
      const head = [String(policies.length)];
      const logs: number[] = [];
      const intervals: string[] = [];
      for (const [i, policy] of policies.entries()) {
        const burst = policy.burst ?? 0;
        suffixes.push(`p:${policy.limit}:${policy.intervalMs}:${burst}`);
        head.push(String(policy.limit), String(policy.intervalMs), String(burst));
        if (burst === 0) {
          logs.push(i);
          intervals.push(String(policy.intervalMs));
        }
      }
      p = { suffixes, head, logs, intervals, keys: new Map() };
      prepared.set(policies, p);
    }
    return p;
  };
  /** The pause key, then one key per policy. */
  const keysOf = (p: Prepared, key: string): string[] => {
    let keys = p.keys.get(key);
    if (keys === undefined) {
      const k = base(key);
      keys = [`${k}pause`];
      for (const suffix of p.suffixes) keys.push(k + suffix);
      if (p.keys.size >= KEY_CACHE) p.keys.clear();
      p.keys.set(key, keys);
    }
    return keys;
  };
  return { base, prepare, keysOf };
}
