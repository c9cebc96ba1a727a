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

// Record layout: one string per (scope, key), so that a claim of a free key is a single
// `SET … NX PX` (the common case: one command inside the script):
//   in progress: `p <lockedUntil> <expiresAt> <token> <fingerprint>`
//   completed:   `c <expiresAt> <status> <body base64> <headers bytes> <headers JSON><fingerprint>`
// Times are epoch ms; the token (a UUID) and the base64 body have no spaces; the fingerprint
// is last, so it may hold any bytes; the headers are length-prefixed (in bytes, by Lua's #).
// The key also carries a PX expiry, so Redis drops it without a sweep; `expiresAt` lets the
// store judge expiry by its own clock too. A value of another shape is an error, not a record.

/**
 * begin: KEYS[1] = record; ARGV = the claim (an in-progress value, built by the caller),
 * now, pxTtl. Replies 1 acquired (a free key: one `SET NX PX`; or a takeover of an expired
 * record or lock: `SET PX` over it), {'m'} mismatch, {'p', retryAfterMs} in progress,
 * {'c', status, headers, body} completed.
 */
export const BEGIN_SCRIPT: RedisScript = {
  source: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then return 1 end
local v = redis.call('GET', KEYS[1])
if v then
  local now = tonumber(ARGV[2])
  local fp = string.match(ARGV[1], '^p %S+ %S+ %S+ (.*)$')
  local l, e, f = string.match(v, '^p (%S+) (%S+) %S+ (.*)$')
  if l then
    if tonumber(e) > now and tonumber(l) > now then
      if f ~= fp then return {'m'} end
      return {'p', math.ceil(tonumber(l) - now)}
    end
  else
    local x, c, b, n, rest = string.match(v, '^c (%S+) (%S+) (%S*) (%d+) (.*)$')
    if not x then return redis.error_reply('ERR not an idempotency record') end
    if tonumber(x) > now then
      n = tonumber(n)
      if string.sub(rest, n + 1) ~= fp then return {'m'} end
      return {'c', c, string.sub(rest, 1, n), b}
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`,
  sha1: 'aaffb8009e343ef61b3962a7123165f4587d08e3',
};

/**
 * complete: KEYS[1] = record; ARGV = token, now, status, headers, body, expiresAt, pxTtl.
 * Replies 1 when the token owned the claim (the record is now completed, its fingerprint
 * kept), else 0.
 */
export const COMPLETE_SCRIPT: RedisScript = {
  source: `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e, t, f = string.match(v, '^p %S+ (%S+) (%S+) (.*)$')
if not e or t ~= ARGV[1] or tonumber(e) <= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], 'c ' .. ARGV[6] .. ' ' .. ARGV[3] .. ' ' .. ARGV[5] .. ' ' .. #ARGV[4] .. ' ' .. ARGV[4] .. f, 'PX', ARGV[7])
return 1`,
  sha1: '855ee938b4a02d6004ef24ee72f7c9ddd1325c6b',
};

/**
 * release: KEYS[1] = record; ARGV = token, now. Compare-and-delete: replies 1 when the
 * token owned the claim (the record is deleted), else 0.
 */
export const RELEASE_SCRIPT: RedisScript = {
  source: `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e, t = string.match(v, '^p %S+ (%S+) (%S+) ')
if e and t == ARGV[1] and tonumber(e) > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`,
  sha1: '071b294c84fc90c552c5a2afad8c2a2d0d762124',
};

/**
 * extend: KEYS[1] = record; ARGV = token, now, lockedUntil. The heartbeat: when the token
 * owns the live claim, its lock moves to `lockedUntil` and the record lives at least as long
 * (expiry and PX); replies 1, else 0.
 */
export const EXTEND_SCRIPT: RedisScript = {
  source: `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e, t, f = string.match(v, '^p %S+ (%S+) (%S+) (.*)$')
if not e or t ~= ARGV[1] or tonumber(e) <= tonumber(ARGV[2]) then return 0 end
local x = e
if tonumber(ARGV[3]) > tonumber(e) then x = ARGV[3] end
redis.call('SET', KEYS[1], 'p ' .. ARGV[3] .. ' ' .. x .. ' ' .. t .. ' ' .. f, 'PX', math.max(1, math.ceil(tonumber(x) - tonumber(ARGV[2]))))
return 1`,
  sha1: '6d9962f55eb3da9450c5e0516fb58669ee777957',
};
