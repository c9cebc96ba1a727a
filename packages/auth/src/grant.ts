import type { DPoPHandle } from 'oauth4webapi';
import type { AuthFailureReason } from './errors.js';

/**
 * A token as the manager holds it. `expiresAt` is milliseconds since the epoch
 * (`Number.MAX_SAFE_INTEGER` when the server gave no lifetime: kept until a 401).
 *
 * @example
 * ```ts
 * import type { TokenSet } from '@brace/auth';
 *
 * const token: TokenSet = { accessToken: 'at', tokenType: 'bearer', expiresAt: Date.now() + 3_600_000 };
 * ```
 */
export interface TokenSet {
  /** The access token. */
  readonly accessToken: string;
  /** Lower-cased token type, `bearer` unless the server said otherwise. */
  readonly tokenType: string;
  /** When the access token expires, in epoch milliseconds. */
  readonly expiresAt: number;
  /** When it was obtained, in epoch milliseconds (bounds the refresh window for short lifetimes). */
  readonly issuedAt?: number | undefined;
  /** The refresh token to use next, when the grant has one. */
  readonly refreshToken?: string | undefined;
}

/**
 * What a grant's `request` receives.
 *
 * @example
 * ```ts
 * import type { GrantContext } from '@brace/auth';
 *
 * const context: GrantContext = { now: Date.now(), signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface GrantContext {
  /** The clock's time when the request starts. */
  readonly now: number;
  /** Aborts the token request (timeout or close). */
  readonly signal: AbortSignal;
  /** The current refresh token (from the store or the grant's own source). */
  readonly refreshToken?: string | undefined;
}

/**
 * How the manager obtains tokens: made by {@link clientCredentials}, {@link refreshToken}
 * or {@link customGrant}; implement it for anything else.
 *
 * @example
 * ```ts
 * import { customGrant, type Grant } from '@brace/auth';
 *
 * const grant: Grant = customGrant(async () => ({ accessToken: 'at', expiresIn: 3600 }));
 * ```
 */
export interface Grant {
  /** Names the credential in errors and events, never with a secret in it. */
  readonly credential: string;
  /**
   * The default store key: equal for two grants only when their tokens are interchangeable
   * (same endpoint, client, scope, audience). Left unset by grants whose identity is a secret
   * (a refresh token) or unknown (custom code): `createTokenManager` then requires `key`
   * with a `store`.
   */
  readonly key?: string | undefined;
  /**
   * The oauth4webapi DPoP handle of a grant given `dpop`: the manager then sends its tokens as
   * `Authorization: DPoP` with a proof per request (through the `./ky` and `./fetch` adapters).
   */
  readonly dpop?: DPoPHandle | undefined;
  /** True when each request consumes the refresh token it sends (rotation). */
  readonly rotatesRefreshToken: boolean;
  /** The refresh token to start from when the store has none. */
  initialRefreshToken?(): Promise<string | undefined>;
  /** Performs one token request; throws {@link GrantFailure} or `AuthGrantError`. */
  request(context: GrantContext): Promise<TokenSet>;
  /** Persists a rotated refresh token where the grant's own `save` wants it. */
  saveRefreshToken?(refreshToken: string): Promise<void>;
  /** Obtains a token when the last refresh token's use is in doubt (its holder died mid-request). */
  recover?(context: GrantContext): Promise<TokenSet>;
}

/**
 * A transient token-request failure, thrown by a grant's `request`: retried with backoff.
 * `inDoubt` says whether the server may have acted on the request (it was sent and no
 * answer came back), which matters for rotating refresh tokens.
 *
 * @example
 * ```ts
 * import { GrantFailure } from '@brace/auth';
 *
 * throw new GrantFailure('status', 503, false);
 * ```
 */
export class GrantFailure extends Error {
  /** What went wrong. */
  readonly reason: AuthFailureReason;
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** Whether the server may have consumed the refresh token that was sent. */
  readonly inDoubt: boolean;

  /**
   * @param reason - what went wrong
   * @param status - the HTTP status, if any
   * @param inDoubt - whether the server may have acted on the request
   */
  constructor(reason: AuthFailureReason, status: number | undefined, inDoubt: boolean) {
    super(`token request failed: ${reason}${status === undefined ? '' : ` (HTTP ${status})`}`);
    this.name = 'GrantFailure';
    this.reason = reason;
    this.status = status;
    this.inDoubt = inDoubt;
  }
}

/** The lifetime used when a token response has no `expires_in`: kept until a 401. */
export const NO_EXPIRY = Number.MAX_SAFE_INTEGER;

/**
 * Turns a lifetime (`expiresIn` seconds or `expiresAt` epoch ms) into `expiresAt`.
 * @internal
 */
export function expiryOf(now: number, expiresIn?: number, expiresAt?: number): number {
  // Clamped to NO_EXPIRY: an absurd lifetime must not become Infinity (JSON turns it into null).
  if (typeof expiresAt === 'number' && Number.isFinite(expiresAt)) {
    return Math.min(expiresAt, NO_EXPIRY);
  }
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn)) {
    return Math.min(now + Math.max(0, expiresIn) * 1000, NO_EXPIRY);
  }
  return NO_EXPIRY;
}
