/**
 * @internal The acquire script. KEYS: pause, seq, then one key per policy. ARGV: cost, policy
 * count, then limit, intervalMs, burst (0 = sliding log) per policy. Checks the pause and
 * every policy, then charges all or none, with Redis `TIME` as the clock. Returns
 * `{ ok, retryInMs, policyIndex, pauseReason }`.
 */
export const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local cost = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local pause = redis.call('GET', KEYS[1])
if pause then
  local sep = string.find(pause, ':', 1, true)
  local untilMs = tonumber(string.sub(pause, 1, sep - 1))
  if untilMs > now then
    return {0, math.max(1, math.ceil(untilMs - now)), -1, string.sub(pause, sep + 1)}
  end
end
local wait = 0
local refusing = -1
for i = 1, n do
  local limit = tonumber(ARGV[3 * i])
  local interval = tonumber(ARGV[3 * i + 1])
  local burst = tonumber(ARGV[3 * i + 2])
  local key = KEYS[2 + i]
  local w = 0
  if burst == 0 then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - interval)
    local excess = redis.call('ZCARD', key) + cost - limit
    if excess > 0 then
      local entry = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
      w = tonumber(entry[2]) + interval - now
    end
  else
    local period = interval / limit
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now then tat = now end
    w = tat + cost * period - now - burst * period
  end
  if w > wait then
    wait = w
    refusing = i - 1
  end
end
if refusing >= 0 then
  return {0, math.max(1, math.ceil(wait)), refusing, ''}
end
local seq = nil
local longest = 1
for i = 1, n do
  local limit = tonumber(ARGV[3 * i])
  local interval = tonumber(ARGV[3 * i + 1])
  local burst = tonumber(ARGV[3 * i + 2])
  local key = KEYS[2 + i]
  if burst == 0 then
    if seq == nil then seq = redis.call('INCRBY', KEYS[2], cost) end
    for c = 1, cost do
      redis.call('ZADD', key, now, seq - cost + c)
    end
    redis.call('PEXPIRE', key, math.ceil(interval))
    if interval > longest then longest = interval end
  else
    local period = interval / limit
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now then tat = now end
    tat = tat + cost * period
    redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
  end
end
if seq ~= nil then redis.call('PEXPIRE', KEYS[2], math.ceil(longest)) end
return {1, 0, -1, ''}
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
