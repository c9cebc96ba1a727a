import type { Clock } from '@brace/core';
import type { OAuthLedger } from './oauth-ledger.js';

/**
 * A registered OAuth client.
 *
 * @example
 * ```ts
 * import type { OAuthClientConfig } from '@brace/simulator/oauth';
 *
 * const client: OAuthClientConfig = { clientId: 'app', clientSecret: 's3cret', scopes: ['read', 'write'] };
 * ```
 */
export interface OAuthClientConfig {
  /** The `client_id`. */
  clientId: string;
  /** The `client_secret`. */
  clientSecret: string;
  /** The scopes this client may ask for. Default: any. */
  scopes?: readonly string[];
}

/**
 * Options of {@link createOAuthServer}.
 *
 * @example
 * ```ts
 * import type { OAuthServerOptions } from '@brace/simulator/oauth';
 *
 * const options: OAuthServerOptions = { accessTokenTtlSec: 60, refreshTokenOnClientCredentials: true };
 * ```
 */
export interface OAuthServerOptions {
  /** The registered clients. Default: {@link DEFAULT_OAUTH_CLIENT}. */
  clients?: readonly OAuthClientConfig[];
  /** Access-token lifetime in seconds, sent as `expires_in`. Default {@link DEFAULT_ACCESS_TOKEN_TTL_SEC}. */
  accessTokenTtlSec?: number;
  /** Refresh-token lifetime in seconds (`Infinity`: never). Default {@link DEFAULT_REFRESH_TOKEN_TTL_SEC}. */
  refreshTokenTtlSec?: number;
  /** Issue a new refresh token on each refresh and detect reuse of the old one (RFC 9700). Default true. */
  rotateRefreshTokens?: boolean;
  /**
   * Also issue a refresh token with client-credentials grants (RFC 6749 §4.4.3 says servers
   * SHOULD NOT; some do, and it is the quickest way to exercise refresh). Default false.
   */
  refreshTokenOnClientCredentials?: boolean;
  /** The source of time (expiry). Default: the system clock. */
  clock?: Pick<Clock, 'now'>;
  /** Seeds the token values, so transcripts repeat. Default 0. */
  seed?: number;
  /** Endpoint paths. Defaults: `/oauth/token`, `/oauth/revoke`, `/oauth/resource`. */
  paths?: {
    /** The token endpoint. */
    token?: string;
    /** The revocation endpoint (RFC 7009). */
    revoke?: string;
    /** The protected resource (answers the token's client, scope and remaining lifetime). */
    resource?: string;
  };
  /** The realm in `WWW-Authenticate`. Default `brace-simulator`. */
  realm?: string;
  /** Tokens remembered at most (oldest forgotten first). Default {@link DEFAULT_MAX_TOKENS}. */
  maxTokens?: number;
}

/**
 * A successful token response (RFC 6749 §5.1).
 *
 * @example
 * ```ts
 * import type { TokenResponse } from '@brace/simulator/oauth';
 *
 * const read = (t: TokenResponse) => `${t.token_type} ${t.access_token}`;
 * ```
 */
export interface TokenResponse {
  /** The opaque access token, `sim_at_…`. */
  access_token: string;
  /** Always `Bearer`. */
  token_type: 'Bearer';
  /** Its lifetime, seconds. */
  expires_in: number;
  /** The refresh token, `sim_rt_…`, when one was issued. */
  refresh_token?: string;
  /** The granted scopes, space-separated, when there are any. */
  scope?: string;
}

/**
 * The outcome of {@link OAuthServer.authenticate}: the token's grant, or the 401/403 to send.
 *
 * @example
 * ```ts
 * import type { AuthenticateResult } from '@brace/simulator/oauth';
 *
 * const status = (r: AuthenticateResult) => (r.ok ? 200 : r.response.status);
 * ```
 */
export type AuthenticateResult = AuthenticateAccepted | AuthenticateRefused;

/**
 * A live token (with the scopes required).
 *
 * @example
 * ```ts
 * import type { AuthenticateAccepted } from '@brace/simulator/oauth';
 *
 * const who = (a: AuthenticateAccepted) => a.clientId;
 * ```
 */
export interface AuthenticateAccepted {
  /** Accepted. */
  ok: true;
  /** The client the token was issued to. */
  clientId: string;
  /** Its scopes, space-separated. */
  scope: string;
  /** When it expires, Unix ms. */
  expiresAt: number;
}

/**
 * A refused request, and the answer to send.
 *
 * @example
 * ```ts
 * import type { AuthenticateRefused } from '@brace/simulator/oauth';
 *
 * const why = (r: AuthenticateRefused) => r.reason;
 * ```
 */
export interface AuthenticateRefused {
  /** Refused. */
  ok: false;
  /** The 401 or 403 to send, with its `WWW-Authenticate` challenge. */
  response: Response;
  /** Why: no token, an unknown or revoked one, an expired one, or missing scopes. */
  reason: 'missing' | 'invalid' | 'expired' | 'insufficient_scope';
}

/**
 * A simulated OAuth 2.0 authorization server with a protected resource.
 *
 * @example
 * ```ts
 * import { createOAuthServer } from '@brace/simulator/oauth';
 *
 * const oauth = createOAuthServer();
 * const response = await oauth.fetch(new Request('http://sim/oauth/resource'));
 * response.status; // 401
 * ```
 */
export interface OAuthServer {
  /** Counts kept by the server. */
  readonly ledger: OAuthLedger;
  /** The endpoint paths in use. */
  readonly paths: {
    /** The token endpoint. */
    token: string;
    /** The revocation endpoint. */
    revoke: string;
    /** The protected resource. */
    resource: string;
  };
  /** Answers the token, revocation and resource endpoints; `undefined` for any other path. */
  handle(request: Request): Promise<Response | undefined>;
  /** Like `handle`, with a 404 for other paths (a complete fetch handler). */
  fetch(request: Request): Promise<Response>;
  /** Checks a request's Bearer token (RFC 6750); optionally requires scopes. */
  authenticate(request: Request, required?: { scope?: string }): AuthenticateResult;
  /** Mints tokens directly, as at the end of an authorization-code flow. */
  issue(clientId: string, options?: { scope?: string; refreshToken?: boolean }): TokenResponse;
}

/** The client registered when `clients` is not given. */
export const DEFAULT_OAUTH_CLIENT: Readonly<OAuthClientConfig> = Object.freeze({
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
});
/** Default access-token lifetime: one hour. */
export const DEFAULT_ACCESS_TOKEN_TTL_SEC = 3600;
/** Default refresh-token lifetime: 30 days. */
export const DEFAULT_REFRESH_TOKEN_TTL_SEC = 30 * 86_400;
/** Default bound on remembered tokens. */
export const DEFAULT_MAX_TOKENS = 100_000;
