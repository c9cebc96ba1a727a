/**
 * A loopback OAuth 2.0 authorization server (`createOAuthServer`): client-credentials and refresh-token grants, rotation with reuse detection, 401 for expired tokens.
 *
 * @module
 */
export { SimulatorOptionsError } from './errors.js';
export { emptyOAuthLedger, type OAuthLedger } from './oauth-ledger.js';
export { createOAuthServer } from './oauth-server.js';
export {
  type AuthenticateAccepted,
  type AuthenticateRefused,
  type AuthenticateResult,
  DEFAULT_ACCESS_TOKEN_TTL_SEC,
  DEFAULT_MAX_TOKENS,
  DEFAULT_OAUTH_CLIENT,
  DEFAULT_REFRESH_TOKEN_TTL_SEC,
  type OAuthClientConfig,
  type OAuthServer,
  type OAuthServerOptions,
  type TokenResponse,
} from './oauth-types.js';
