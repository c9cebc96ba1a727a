/** @internal A sliding log is trimmed of expired entries at least once per this many units. */
export const TRIM_EVERY = 32;

/** @internal Most units one `ZADD` of the acquire script logs (Lua's `unpack` is bounded). */
export const ZADD_CHUNK = 500;

/**
 * @internal The acquire script, for one request or a batch of requests of one key. KEYS:
 * pause, then one key per policy. ARGV: policy count, then limit, intervalMs, burst
 * (0 = sliding log) per policy, then the cost of each request in order, then the call's token (a sliding log counts
 * it rounded up to whole units; GCRA charges it as it is). Admits
 * the longest prefix of the requests that fits every policy and the pause, charging each
 * admitted request to every policy and nothing for the rest, with Redis `TIME` as the clock.
 * Returns the number admitted when all were, else
 * `{ admitted, retryInMs, policyIndex, pauseReason }` for the first refused one.
 *
 * Commands, kept few (one acquire of a sliding-log policy: TIME, GET, ZCARD, ZADD, PTTL): one
 * GET for the pause, per GCRA policy one GET and one SET PX; per sliding-log policy one ZCARD,
 * one ZADD of every admitted unit (one per {@link ZADD_CHUNK} units), and PTTL, with PEXPIRE
 * (to twice the interval) only when the TTL left is under one interval (a write costs more
 * than a read, and is replicated).
 * ZREMRANGEBYSCORE runs only when the log's count (expired entries included) would not fit, or
 * every {@link TRIM_EVERY} units to bound memory: a count that fits with expired entries still
 * in it fits without them, so skipping the trim never over-admits. ZRANGE only when refusing.
 * A log member is the call's token (the last ARGV, unique per call: see `redis-store.ts`)
 * and the unit's rank in the call, `token:1` to `token:units`, so no sequence key is needed and
 * {@link SETTLE_SCRIPT} can find a task's units (ZADD NX; a member already taken, which a
 * unique token rules out, is replaced by a suffixed one).
 */
export const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local pause = redis.call('GET', KEYS[1])
if pause then
  local sep = string.find(pause, ':', 1, true)
  local untilMs = tonumber(string.sub(pause, 1, sep - 1))
  if untilMs > now then
    return {0, math.max(1, math.ceil(untilMs - now)), -1, string.sub(pause, sep + 1)}
  end
end
local token = ARGV[#ARGV]
if #ARGV == 6 and ARGV[5] == '1' and ARGV[4] == '0' and ARGV[1] == '1' then
  -- The common case, kept straight: one request of cost 1, one sliding-log policy.
  local key = KEYS[2]
  local limit = tonumber(ARGV[2])
  local interval = tonumber(ARGV[3])
  local count = redis.call('ZCARD', key)
  local after = count + 1
  if after > limit or after % ${TRIM_EVERY} == 0 then
    count = count - redis.call('ZREMRANGEBYSCORE', key, '-inf', now - interval)
    after = count + 1
    if after > limit then
      local entry = redis.call('ZRANGE', key, after - limit - 1, after - limit - 1, 'WITHSCORES')
      return {0, math.max(1, math.ceil(tonumber(entry[2]) + interval - now)), 0, ''}
    end
  end
  if redis.call('ZADD', key, 'NX', now, token .. ':1') == 0 then
    local s = 0
    repeat
      s = s + 1
    until redis.call('ZADD', key, 'NX', now, token .. ':1+' .. s) == 1
  end
  if redis.call('PTTL', key) < interval then
    redis.call('PEXPIRE', key, math.ceil(2 * interval))
  end
  return 1
end
-- Logs \`units\` grants at \`now\` in a sliding log (members token:1 to token:units), keeps its TTL.
-- One ZADD per ${ZADD_CHUNK} units: unpack() has a limit on the number of values.
local function charge(key, units, interval)
  local stamp = token .. ':'
  local missing = units
  for from = 0, units - 1, ${ZADD_CHUNK} do
    local add = {}
    for c = 1, math.min(${ZADD_CHUNK}, units - from) do
      add[2 * c - 1] = now
      add[2 * c] = stamp .. (from + c)
    end
    missing = missing - redis.call('ZADD', key, 'NX', unpack(add))
  end
  local s = 0
  while missing > 0 do
    s = s + 1
    missing = missing - redis.call('ZADD', key, 'NX', now, stamp .. '+' .. s)
  end
  if redis.call('PTTL', key) < interval then
    redis.call('PEXPIRE', key, math.ceil(2 * interval))
  end
end
if ARGV[1] == '1' and ARGV[4] == '0' then
  -- One sliding-log policy, a batch (or a cost above 1): the longest prefix that fits.
  local key = KEYS[2]
  local limit = tonumber(ARGV[2])
  local interval = tonumber(ARGV[3])
  local count = redis.call('ZCARD', key)
  local units, admitted, trimmed = 0, 0, false
  for j = 5, #ARGV - 1 do
    local cost = math.ceil(tonumber(ARGV[j]))
    local after = count + units + cost
    if not trimmed and (after > limit or math.floor(after / ${TRIM_EVERY}) > math.floor((count + units) / ${TRIM_EVERY})) then
      trimmed = true
      count = count - redis.call('ZREMRANGEBYSCORE', key, '-inf', now - interval)
      after = count + units + cost
    end
    local excess = after - limit
    if excess > 0 then
      local wait = interval
      if excess <= count then
        local entry = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
        wait = tonumber(entry[2]) + interval - now
      end
      if units > 0 then
        charge(key, units, interval)
      end
      return {admitted, math.max(1, math.ceil(wait)), 0, ''}
    end
    units = units + cost
    admitted = admitted + 1
  end
  charge(key, units, interval)
  return admitted
end
local n = tonumber(ARGV[1])
local first = 3 * n + 2
local limits, intervals, bursts, state, trimmed = {}, {}, {}, {}, {}
for i = 1, n do
  limits[i] = tonumber(ARGV[3 * i - 1])
  intervals[i] = tonumber(ARGV[3 * i])
  local burst = tonumber(ARGV[3 * i + 1])
  bursts[i] = burst
  if burst == 0 then
    state[i] = redis.call('ZCARD', KEYS[i + 1])
  else
    local tat = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
    if tat < now then tat = now end
    state[i] = tat
  end
end
local admitted, units, wait, refusing = 0, 0, 0, -1
for j = first, #ARGV - 1 do
  local cost = tonumber(ARGV[j])
  local whole = math.ceil(cost)
  for i = 1, n do
    local limit, interval = limits[i], intervals[i]
    local w = 0
    if bursts[i] == 0 then
      local count = state[i]
      local after = count + units + whole
      if not trimmed[i] and (after > limit or math.floor(after / ${TRIM_EVERY}) > math.floor((count + units) / ${TRIM_EVERY})) then
        trimmed[i] = true
        count = count - redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', now - interval)
        state[i] = count
        after = count + units + whole
      end
      local excess = after - limit
      if excess > count then
        w = interval
      elseif excess > 0 then
        local entry = redis.call('ZRANGE', KEYS[i + 1], excess - 1, excess - 1, 'WITHSCORES')
        w = tonumber(entry[2]) + interval - now
      end
    else
      local period = interval / limit
      w = state[i] + cost * period - now - bursts[i] * period
    end
    if w > wait then
      wait = w
      refusing = i - 1
    end
  end
  if refusing >= 0 then break end
  admitted = admitted + 1
  units = units + whole
  for i = 1, n do
    if bursts[i] ~= 0 then state[i] = state[i] + cost * intervals[i] / limits[i] end
  end
end
if units > 0 then
  for i = 1, n do
    local key = KEYS[i + 1]
    if bursts[i] == 0 then
      charge(key, units, intervals[i])
    else
      redis.call('SET', key, string.format('%.3f', state[i]), 'PX', math.ceil(state[i] - now) + 1)
    end
  end
end
if refusing < 0 then return admitted end
return {admitted, math.max(1, math.ceil(wait)), refusing, ''}
`;

/**
 * @internal The settle script: a granted task settled, so its units count from now. KEYS: the
 * sliding-log keys of the policies. ARGV: the grant's token, the number of units logged before
 * its own in the call, its units, then each key's interval. Moves the members still logged
 * (`ZADD XX`: a unit already expired or trimmed stays gone) to Redis \`TIME\`, and keeps the
 * key's TTL at least one interval.
 */
export const SETTLE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local token, from, units = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, #KEYS do
  local moved = 0
  for u = from + 1, from + units do
    moved = moved + redis.call('ZADD', KEYS[i], 'XX', 'CH', now, token .. ':' .. u)
  end
  local interval = tonumber(ARGV[3 + i])
  if moved > 0 and redis.call('PTTL', KEYS[i]) < interval then
    redis.call('PEXPIRE', KEYS[i], math.ceil(2 * interval))
  end
end
return 0
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
