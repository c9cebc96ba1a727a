/**
 * A Lua script and its SHA-1, for EVALSHA with a fall back to EVAL on `NOSCRIPT`.
 *
 * @example
 * ```ts
 * import type { RedisScript } from '@brace/cache-redis';
 *
 * const script: RedisScript = { source: 'return 1', sha1: 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db' };
 * ```
 */
export interface RedisScript {
  /** The Lua source. */
  readonly source: string;
  /** The lowercase hex SHA-1 of `source`. */
  readonly sha1: string;
}

// Each script touches one key, so the store works on Redis Cluster. Values are
// `<meta JSON>\n<body base64>` (JSON.stringify never writes a raw newline).

/** KEYS[1] = entry. Replies the value or nil. */
export const GET_SCRIPT: RedisScript = {
  source: "return redis.call('GET', KEYS[1])",
  sha1: 'd3c21d0c2b9ca22f82737626a27bcaf5d288f99f',
};

/** KEYS[1] = entry; ARGV = value, pxTtl. */
export const SET_SCRIPT: RedisScript = {
  source: "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\nreturn 1",
  sha1: '04ace03434c494938f4172516d80596031d40e15',
};

/** KEYS[1] = entry. */
export const DEL_SCRIPT: RedisScript = {
  source: "return redis.call('DEL', KEYS[1])",
  sha1: 'b0d697da25b13e49157b2c214a4033546aba2104',
};

/** KEYS[1] = lock; ARGV = token, pxTtl. Replies 1 when taken. */
export const LOCK_SCRIPT: RedisScript = {
  source: "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end\nreturn 0",
  sha1: 'f321375970eb6e18a20f306869e6c1dfb5402846',
};

/** KEYS[1] = lock; ARGV = token. Compare-and-delete. */
export const UNLOCK_SCRIPT: RedisScript = {
  source:
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\nreturn 0",
  sha1: '7f8f6677b8f2b4b65b9b9905151ced126e6b7e49',
};
