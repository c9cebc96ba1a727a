/** @internal A sliding log is trimmed of expired entries at least once per this many units. */
export const TRIM_EVERY = 32;

/**
 * @internal The acquire script. KEYS: pause, then one key per policy. ARGV: cost, policy
 * count, then limit, intervalMs, burst (0 = sliding log) per policy. Checks the pause and
 * every policy, then charges all or none, with Redis `TIME` as the clock. Returns `1` when
 * charged, else `{ 0, retryInMs, policyIndex, pauseReason }`.
 *
 * Commands, kept few: TIME; one MGET for the pause and every GCRA policy's state; per
 * sliding-log policy ZCARD + ZADD + PTTL, PEXPIRE (to twice the interval) only when the TTL
 * left is under one interval (a write costs far more than a read, and is replicated), and
 * ZREMRANGEBYSCORE only when the log's
 * count (expired entries included) would not fit, or every {@link TRIM_EVERY} units to
 * bound memory: a count that fits with expired entries still in it fits without them, so
 * skipping the trim never over-admits. ZRANGE only when refusing. Per GCRA policy one
 * SET PX. A log member is the grant's `TIME` plus its rank in the log (ZADD NX, suffixed in
 * the unlikely case it is taken), so no sequence key is needed.
 */
export const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local cost = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local names = {KEYS[1]}
for i = 1, n do
  if ARGV[3 * i + 2] ~= '0' then names[#names + 1] = KEYS[1 + i] end
end
local values = redis.call('MGET', unpack(names))
local pause = values[1]
if pause then
  local sep = string.find(pause, ':', 1, true)
  local untilMs = tonumber(string.sub(pause, 1, sep - 1))
  if untilMs > now then
    return {0, math.max(1, math.ceil(untilMs - now)), -1, string.sub(pause, sep + 1)}
  end
end
local wait = 0
local refusing = -1
local state = {}
local g = 1
for i = 1, n do
  local limit = tonumber(ARGV[3 * i])
  local interval = tonumber(ARGV[3 * i + 1])
  local burst = tonumber(ARGV[3 * i + 2])
  local key = KEYS[1 + i]
  local w = 0
  if burst == 0 then
    local count = redis.call('ZCARD', key)
    if count + cost > limit or math.floor((count + cost) / ${TRIM_EVERY}) > math.floor(count / ${TRIM_EVERY}) then
      count = count - redis.call('ZREMRANGEBYSCORE', key, '-inf', now - interval)
    end
    state[i] = count
    local excess = count + cost - limit
    if excess > 0 then
      local entry = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
      w = tonumber(entry[2]) + interval - now
    end
  else
    g = g + 1
    local period = interval / limit
    local tat = tonumber(values[g] or '0')
    if tat < now then tat = now end
    state[i] = tat + cost * period
    w = state[i] - now - burst * period
  end
  if w > wait then
    wait = w
    refusing = i - 1
  end
end
if refusing >= 0 then
  return {0, math.max(1, math.ceil(wait)), refusing, ''}
end
local stamp = t[1] .. '.' .. t[2] .. ':'
for i = 1, n do
  local key = KEYS[1 + i]
  if ARGV[3 * i + 2] == '0' then
    local count = state[i]
    for c = 1, cost do
      local member = stamp .. (count + c)
      while redis.call('ZADD', key, 'NX', now, member) == 0 do member = member .. '+' end
    end
    local interval = tonumber(ARGV[3 * i + 1])
    if redis.call('PTTL', key) < interval then
      redis.call('PEXPIRE', key, math.ceil(2 * interval))
    end
  else
    redis.call('SET', key, string.format('%.3f', state[i]), 'PX', math.ceil(state[i] - now) + 1)
  end
end
return 1
`;

/**
 * @internal The pause script. KEYS: pause. ARGV: duration ms, reason. Never shortens a longer
 * pause; the key expires when the pause ends.
 */
export const PAUSE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local duration = tonumber(ARGV[1])
local untilMs = now + duration
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, ':', 1, true)
  if tonumber(string.sub(current, 1, sep - 1)) >= untilMs then return 0 end
end
redis.call('SET', KEYS[1], string.format('%.3f', untilMs) .. ':' .. ARGV[2], 'PX', math.ceil(duration))
return 1
`;
