/**
 * What the OAuth authorization server and its protected resources saw, counted on the server's
 * side.
 *
 * @example
 * ```ts
 * import { createOAuthServer } from '@brace/simulator/oauth';
 *
 * const oauth = createOAuthServer();
 * oauth.ledger.tokenRequests; // 0
 * ```
 */
export interface OAuthLedger {
  /** Every call to the token endpoint, whatever its outcome. */
  tokenRequests: number;
  /** Successful client-credentials grants. */
  clientCredentialsGrants: number;
  /** Successful refresh-token grants. */
  refreshes: number;
  /** Access tokens issued (by any grant, and by `issue()`). */
  accessTokensIssued: number;
  /** A refresh token already exchanged was presented again (RFC 9700 reuse detection). */
  reuseDetections: number;
  /** Grants (token families) revoked, by reuse detection or the revocation endpoint. */
  revocations: number;
  /** Requests to a protected resource with an expired access token. */
  expiredTokenRequests: number;
  /** Requests to a protected resource with an unknown or revoked access token. */
  invalidTokenRequests: number;
  /** Requests to a protected resource without any access token. */
  missingTokenRequests: number;
  /** Token-endpoint errors by RFC 6749 §5.2 code. */
  errors: Record<string, number>;
}

/** A zeroed {@link OAuthLedger}. */
export function emptyOAuthLedger(): OAuthLedger {
  return {
    tokenRequests: 0,
    clientCredentialsGrants: 0,
    refreshes: 0,
    accessTokensIssued: 0,
    reuseDetections: 0,
    revocations: 0,
    expiredTokenRequests: 0,
    invalidTokenRequests: 0,
    missingTokenRequests: 0,
    errors: Object.create(null) as Record<string, number>,
  };
}
