import type { TokenSource } from './coordinated.js';
import type { AuthFailureReason } from './errors.js';

/** Why a refresh started. */
export type RefreshReason = 'initial' | 'proactive' | 'expired' | 'rejected' | 'validate' | 'retry';

/**
 * Passed to `onRefresh` after a token was obtained. Carries no token.
 *
 * @example
 * ```ts
 * import type { RefreshEvent } from '@brace/auth';
 *
 * const log = (e: RefreshEvent) => `${e.credential}: ${e.source} (${e.reason}), expires ${e.expiresAt}`;
 * ```
 */
export interface RefreshEvent {
  /** Which credential. */
  credential: string;
  /** Why the refresh started. */
  reason: RefreshReason;
  /** `grant` (this process called the token endpoint), `store` (another did), `recover`. */
  source: TokenSource;
  /** When the new token expires (epoch ms). */
  expiresAt: number;
  /** Milliseconds from start to token. */
  durationMs: number;
}

/**
 * Passed to `onRefreshError` after a failed attempt. Carries no token or secret.
 *
 * @example
 * ```ts
 * import type { RefreshErrorEvent } from '@brace/auth';
 *
 * const log = (e: RefreshErrorEvent) => `${e.code} attempt ${e.attempt}, retry: ${e.willRetry}`;
 * ```
 */
export interface RefreshErrorEvent {
  /** Which credential. */
  credential: string;
  /** The error's stable code (`AUTH_GRANT_REJECTED`, `AUTH_REFRESH_FAILED`, `AUTH_LOCK_TIMEOUT`). */
  code: string;
  /** For transient failures, what went wrong. */
  failure: AuthFailureReason | undefined;
  /** The token endpoint's status, if any. */
  status: number | undefined;
  /** 1 for the first attempt. */
  attempt: number;
  /** Whether another attempt follows. */
  willRetry: boolean;
  /** True while a still-valid token keeps being served. */
  servingCachedToken: boolean;
}

/**
 * Passed to `onCoordination` for the cross-process events.
 *
 * @example
 * ```ts
 * import type { CoordinationEvent } from '@brace/auth';
 *
 * const log = (e: CoordinationEvent) => `${e.credential}: ${e.kind}`;
 * ```
 */
export interface CoordinationEvent {
  /** Which credential. */
  credential: string;
  /**
   * `lock-wait`: another process is refreshing, this one waits for its result;
   * `fenced-out`: this process's lock was taken over, its result is kept local;
   * `recovered`: a refresh token in doubt was replaced through `recover`.
   */
  kind: 'lock-wait' | 'fenced-out' | 'recovered';
}

/** Calls an event callback; a throwing callback never breaks a request. */
export function emit<E>(callback: ((event: E) => void) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    callback(event);
  } catch {
    // Callbacks are observers only.
  }
}
