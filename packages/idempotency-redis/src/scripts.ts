/**
 * A Lua script and its SHA-1, so that clients can run it with EVALSHA and fall back to EVAL
 * when the server has not cached it yet (`NOSCRIPT`).
 *
 * @example
 * ```ts
 * import type { RedisScript } from '@brace/idempotency-redis';
 *
 * const script: RedisScript = { source: 'return 1', sha1: 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db' };
 * ```
 */
export interface RedisScript {
  /** The Lua source. */
  readonly source: string;
  /** The lowercase hex SHA-1 of `source`, as EVALSHA expects. */
  readonly sha1: string;
}

// Record layout: one hash per (scope, key) with fields
//   f = fingerprint, s = state ('p' in progress | 'c' completed), t = owner token (in progress),
//   l = lock expiry (epoch ms, in progress), e = record expiry (epoch ms),
//   c = response status, h = response headers (JSON), b = response body (base64).
// The key also carries a PX expiry (PEXPIRE), so Redis drops it without a sweep; `e` lets the
// store judge expiry by its own clock too.

/**
 * begin: KEYS[1] = record; ARGV = fingerprint, token, now, lockedUntil, expiresAt, pxTtl.
 * Replies {'a'} acquired, {'m'} mismatch, {'p', retryAfterMs} in progress,
 * {'c', status, headers, body} completed.
 */
export const BEGIN_SCRIPT: RedisScript = {
  source: `local r = redis.call('HMGET', KEYS[1], 'f', 's', 'l', 'e', 'c', 'h', 'b')
local now = tonumber(ARGV[3])
if r[1] and tonumber(r[4]) > now then
  if r[2] == 'c' or tonumber(r[3]) > now then
    if r[1] ~= ARGV[1] then return {'m'} end
    if r[2] == 'c' then return {'c', r[5], r[6], r[7]} end
    return {'p', math.ceil(tonumber(r[3]) - now)}
  end
end
if r[1] then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'f', ARGV[1], 's', 'p', 't', ARGV[2], 'l', ARGV[4], 'e', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {'a'}`,
  sha1: '51b18c03df57a5fcb2a658dd1e85384784483313',
};

/**
 * complete: KEYS[1] = record; ARGV = token, now, status, headers, body, expiresAt, pxTtl.
 * Replies 1 when the token owned the claim (the record is now completed), else 0.
 */
export const COMPLETE_SCRIPT: RedisScript = {
  source: `local r = redis.call('HMGET', KEYS[1], 's', 't', 'e')
if r[1] ~= 'p' or r[2] ~= ARGV[1] or tonumber(r[3]) <= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 's', 'c', 'c', ARGV[3], 'h', ARGV[4], 'b', ARGV[5], 'e', ARGV[6])
redis.call('HDEL', KEYS[1], 't', 'l')
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 1`,
  sha1: 'd569f11b5eb53286ff0bd69d79959e6545ac6f22',
};

/**
 * release: KEYS[1] = record; ARGV = token, now. Compare-and-delete: replies 1 when the
 * token owned the claim (the record is deleted), else 0.
 */
export const RELEASE_SCRIPT: RedisScript = {
  source: `local r = redis.call('HMGET', KEYS[1], 's', 't', 'e')
if r[1] == 'p' and r[2] == ARGV[1] and tonumber(r[3]) > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`,
  sha1: 'db87cca9385376ca59783208f14695029f634463',
};
