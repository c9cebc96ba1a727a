/**
 * Access tokens that are always fresh (`createTokenManager` with client-credentials, refresh-token and custom grants), refreshed once across processes, and API keys that rotate without an outage (`apiKey`).
 *
 * @module
 */
export {
  type ApiKeyAuthenticator,
  type ApiKeyEvent,
  type ApiKeyOptions,
  type ApiKeySlot,
  type ApiKeyValidation,
  apiKey,
} from './api-key.js';
export { DEFAULT_STORE_TIMEOUT_MS } from './bounded-store.js';
export {
  type ClientCredentialsOptions,
  clientCredentials,
  type PrivateKeyJwt,
} from './client-credentials.js';
export type { TokenSource } from './coordinated.js';
export {
  type Authenticator,
  applyCredential,
  type Credential,
} from './credential.js';
export { type CustomGrantOptions, type CustomTokenResponse, customGrant } from './custom-grant.js';
export {
  AuthClosedError,
  type AuthFailureReason,
  AuthGrantError,
  AuthLockTimeoutError,
  AuthOptionError,
  AuthRefreshError,
  AuthRejectedError,
  AuthStoreTimeoutError,
} from './errors.js';
export type {
  CoordinationEvent,
  RefreshErrorEvent,
  RefreshEvent,
  RefreshReason,
} from './events.js';
export { type Grant, type GrantContext, GrantFailure, NO_EXPIRY, type TokenSet } from './grant.js';
export { DEFAULT_TOKEN_TIMEOUT_MS, type DPoPKeyPair, type OAuthTransportOptions } from './oauth.js';
export { type RefreshTokenOptions, refreshToken } from './refresh-token.js';
export { type SendRequest, sendWithAuth } from './send.js';
export {
  MEMORY_STORE_MAX_KEYS,
  type MemoryTokenStoreOptions,
  memoryTokenStore,
  type TokenRecord,
  type TokenStore,
} from './store.js';
export {
  createTokenManager,
  DEFAULT_EXPIRY_SKEW_MS,
  DEFAULT_JITTER_MS,
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_REFRESH_BEFORE_MS,
  type TokenManager,
  type TokenManagerOptions,
} from './token-manager.js';
