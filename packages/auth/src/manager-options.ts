import { DEFAULT_STORE_TIMEOUT_MS } from './bounded-store.js';
import { AuthOptionError } from './errors.js';
import type { TokenManagerOptions } from './token-manager-types.js';

/** Default `refreshBeforeMs`: one minute. */
export const DEFAULT_REFRESH_BEFORE_MS = 60_000;
/** Default `jitterMs`: 15 seconds. */
export const DEFAULT_JITTER_MS = 15_000;
/** Default `expirySkewMs`: 5 seconds of clock skew and transit time. */
export const DEFAULT_EXPIRY_SKEW_MS = 5_000;
/** Default `lockTtlMs`: 20 seconds (twice the default token request timeout). */
export const DEFAULT_LOCK_TTL_MS = 20_000;
/** Default `pollIntervalMs`. */
export const DEFAULT_POLL_INTERVAL_MS = 100;
/** Default `maxAttempts`. */
export const DEFAULT_MAX_ATTEMPTS = 4;

/** The manager's options with defaults applied. */
export interface ResolvedManagerOptions {
  refreshBeforeMs: number;
  jitterMs: number;
  expirySkewMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  pollIntervalMs: number;
  storeTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
  proactive: boolean;
}

/** `value` if it is a finite number >= min, else throws naming `name`. */
function duration(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new AuthOptionError(name, `a finite number >= ${min}`);
  }
  return value;
}

/** Applies defaults and checks ranges; throws {@link AuthOptionError} naming the option. */
export function validateManagerOptions(options: TokenManagerOptions): ResolvedManagerOptions {
  const grant = options?.grant;
  if (typeof grant?.request !== 'function' || typeof grant.credential !== 'string') {
    throw new AuthOptionError('grant', 'clientCredentials(), refreshToken() or customGrant()');
  }
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key === '')) {
    throw new AuthOptionError('key', 'a non-empty string');
  }
  if (options.store !== undefined && options.key === undefined && grant.key === undefined) {
    // A refresh token or custom grant has no identity the manager can see: two accounts
    // (tenants) would share one token.
    throw new AuthOptionError(
      'key',
      'a key naming this account (one per refresh token or custom credential) when a store is given',
    );
  }
  const lockTtlMs = duration('lockTtlMs', options.lockTtlMs, DEFAULT_LOCK_TTL_MS, 1);
  const maxAttempts = duration('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 1);
  if (!Number.isInteger(maxAttempts)) throw new AuthOptionError('maxAttempts', 'an integer >= 1');
  return {
    refreshBeforeMs: duration(
      'refreshBeforeMs',
      options.refreshBeforeMs,
      DEFAULT_REFRESH_BEFORE_MS,
    ),
    jitterMs: duration('jitterMs', options.jitterMs, DEFAULT_JITTER_MS),
    expirySkewMs: duration('expirySkewMs', options.expirySkewMs, DEFAULT_EXPIRY_SKEW_MS),
    lockTtlMs,
    lockWaitMs: duration('lockWaitMs', options.lockWaitMs, 2 * lockTtlMs, 1),
    pollIntervalMs: duration('pollIntervalMs', options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, 1),
    storeTimeoutMs: duration('storeTimeoutMs', options.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS, 1),
    maxAttempts,
    retryBaseMs: duration('retryBaseMs', options.retryBaseMs, 500),
    retryCapMs: duration('retryCapMs', options.retryCapMs, 10_000),
    proactive: options.proactive !== false,
  };
}
