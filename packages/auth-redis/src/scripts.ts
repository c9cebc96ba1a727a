import { createHash } from 'node:crypto';
import type { RedisScript } from './client.js';

/** A script with its SHA1. */
function script(source: string): RedisScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

// KEYS[1] = state hash (v, token, pending, fence), KEYS[2] = lock (value: the fence, PX TTL).

/** Reads version, token JSON and pending fence. */
export const LOAD = script(`return redis.call('HMGET', KEYS[1], 'v', 'token', 'pending')`);

/** Takes the lock if free: a new fence from the counter; nil while held. */
export const LOCK = script(`
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local fence = redis.call('HINCRBY', KEYS[1], 'fence', 1)
redis.call('SET', KEYS[2], fence, 'PX', ARGV[1])
return fence`);

/** Marks the refresh in doubt under ARGV[1] if it is the newest fence. */
export const CLAIM = script(`
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'pending', ARGV[1])
return 1`);

/** Saves ARGV[2] (token JSON) if ARGV[1] is the newest fence; releases the lock; publishes on ARGV[3]. */
export const SAVE = script(`
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'token', ARGV[2])
redis.call('HDEL', KEYS[1], 'pending')
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[3], 's')
return 1`);

/** Releases the lock held by ARGV[1]; with ARGV[2] = '1', clears its own claim; publishes on ARGV[3]. */
export const UNLOCK = script(`
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if ARGV[2] == '1' and redis.call('HGET', KEYS[1], 'pending') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'pending')
end
redis.call('PUBLISH', ARGV[3], 'u')
return 1`);

/** Extends the lock to ARGV[2] ms if ARGV[1] holds it (newest fence, lock not expired). */
export const RENEW = script(`
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`);
