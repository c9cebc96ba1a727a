import type { Clock } from '@brace/core';
import type { Authenticator } from './credential.js';
import type { CoordinationEvent, RefreshErrorEvent, RefreshEvent } from './events.js';
import type { Grant } from './grant.js';
import type { TokenStore } from './store.js';

/**
 * Options of {@link createTokenManager}. Every duration is in milliseconds.
 *
 * @example
 * ```ts
 * import { customGrant, type TokenManagerOptions } from '@brace/auth';
 *
 * const options: TokenManagerOptions = {
 *   grant: customGrant(async () => ({ accessToken: 'at', expiresIn: 3600 })),
 *   refreshBeforeMs: 120_000,
 * };
 * ```
 */
export interface TokenManagerOptions {
  /** How tokens are obtained. */
  grant: Grant;
  /** Refresh this long before expiry (default {@link DEFAULT_REFRESH_BEFORE_MS}; at most half the lifetime). */
  refreshBeforeMs?: number;
  /** Up to this much more, at random per token, so a fleet does not refresh at once (default {@link DEFAULT_JITTER_MS}). */
  jitterMs?: number;
  /** A token is never handed out later than this before its expiry (default {@link DEFAULT_EXPIRY_SKEW_MS}). */
  expirySkewMs?: number;
  /** Where tokens and the refresh lock live (default: an in-memory store of its own). */
  store?: TokenStore;
  /**
   * The store key: same key, same token. Default: the grant's own key (`clientCredentials`:
   * endpoint, client, scope, audience, parameters). Required with a `store` for `refreshToken`
   * and `customGrant` grants: one key per account or tenant.
   */
  key?: string;
  /**
   * The longest one refresh may hold the lock (default {@link DEFAULT_LOCK_TTL_MS}). With a store
   * that can `renew`, the lock is a lease of a quarter of it, renewed while the refresh runs: a
   * holder that dies is taken over within that quarter, and with a token request timeout of at
   * most half of it, every process has a new token within `lockTtlMs`.
   */
  lockTtlMs?: number;
  /** How long to wait for another process's refresh before {@link AuthLockTimeoutError} (default 2 x lockTtlMs). */
  lockWaitMs?: number;
  /** How often a waiting process re-reads the store (default {@link DEFAULT_POLL_INTERVAL_MS}; at most half the lock lease). */
  pollIntervalMs?: number;
  /** Bound on each store call: past it, {@link AuthStoreTimeoutError} (default {@link DEFAULT_STORE_TIMEOUT_MS}). */
  storeTimeoutMs?: number;
  /** Token requests per refresh when no valid token is left (default {@link DEFAULT_MAX_ATTEMPTS}). */
  maxAttempts?: number;
  /** Backoff base between attempts, full jitter (default 500). */
  retryBaseMs?: number;
  /** Backoff cap (default 10 000). */
  retryCapMs?: number;
  /** Refresh on a timer ahead of expiry (default true); else on the first request in the window. */
  proactive?: boolean;
  /** A cheap authenticated call `validate()` makes with the new token (e.g. GET /me). */
  validate?: (accessToken: string, signal: AbortSignal) => Promise<void>;
  /** Time source and sleeps (default: the system clock, with unref'd timers). */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter (default `Math.random`). */
  random?: () => number;
  /** After each token obtained. */
  onRefresh?: (event: RefreshEvent) => void;
  /** After each failed attempt. */
  onRefreshError?: (event: RefreshErrorEvent) => void;
  /** Cross-process coordination events. */
  onCoordination?: (event: CoordinationEvent) => void;
}

/**
 * Hands out fresh access tokens: cached, refreshed ahead of expiry with jitter, once per
 * expiry across every process sharing the store. Also an {@link Authenticator} for the
 * `./ky`, `./fetch` and `./axios` adapters.
 *
 * @example
 * ```ts
 * import { clientCredentials, createTokenManager } from '@brace/auth';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({ tokenUrl: 'https://id.example.com/token', clientId: 'app', clientSecret: 's' }),
 * });
 * const token = await auth.getToken();
 * ```
 */
export interface TokenManager extends Authenticator {
  /** A token that is valid now (waits for a refresh when none is). */
  getToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** The cached token if it is valid and not rejected, synchronously; else (and after `close()`) undefined. */
  current(): string | undefined;
  /** Marks `accessToken` as refused by the server: the next `getToken` refreshes. */
  invalidate(accessToken: string): void;
  /** Obtains a new token now (shares an in-flight refresh). */
  refresh(options?: { signal?: AbortSignal }): Promise<string>;
  /** Makes a real token request (and the `validate` call): throws a typed error naming the credential. */
  validate(options?: { signal?: AbortSignal }): Promise<void>;
  /** Stops the timer and fails pending and later calls with `AUTH_CLOSED`. */
  close(): void;
}
