import * as oauth from 'oauth4webapi';
import { clientAuthOf, type PrivateKeyJwt } from './client-credentials.js';
import type { CustomTokenResponse } from './custom-grant.js';
import { AuthOptionError } from './errors.js';
import { expiryOf, type Grant, type TokenSet } from './grant.js';
import { describeCredential, endpoint, exchange, type OAuthTransportOptions } from './oauth.js';

/**
 * Options of {@link refreshToken}: the refresh token itself, or `load`/`save` to keep it
 * in your own storage (a rotated refresh token is saved before it is ever used).
 *
 * @example
 * ```ts
 * import type { RefreshTokenOptions } from '@brace/auth';
 *
 * const options: RefreshTokenOptions = {
 *   tokenUrl: 'https://id.example.com/oauth/token',
 *   clientId: 'app',
 *   load: async () => process.env.REFRESH_TOKEN,
 *   save: async (token) => void token,
 * };
 * ```
 */
export interface RefreshTokenOptions extends OAuthTransportOptions {
  /** The token endpoint, `https:`. */
  tokenUrl: string;
  /** The client id. */
  clientId: string;
  /** The client secret of a confidential client (public clients have none). */
  clientSecret?: string;
  /** A private key for `private_key_jwt` instead of a secret. */
  privateKeyJwt?: PrivateKeyJwt;
  /** Where the secret goes: `basic` (default) or `post`. */
  clientAuth?: 'basic' | 'post';
  /** The refresh token to start from. */
  refreshToken?: string;
  /** Loads the refresh token to start from (when `refreshToken` is not given). */
  load?: () => Promise<string | undefined>;
  /** Saves each rotated refresh token as soon as it arrives. */
  save?: (refreshToken: string) => Promise<void>;
  /** Whether the server rotates refresh tokens (default true: assume it does). */
  rotates?: boolean;
  /**
   * Obtains a fresh grant when the last refresh token's fate is unknown (a process died
   * between sending it and storing the new one). Without it, that case is an
   * `AuthGrantError` with code `refresh_token_in_doubt`: the old token is never resent.
   * Its result must carry the new `refreshToken` (else `AuthOptionError` naming `recover`).
   */
  recover?: () => Promise<CustomTokenResponse>;
  /**
   * Resend a refresh token whose fate is unknown instead of calling `recover`: only for
   * servers that accept a just-used refresh token again for a while (Okta's rotation grace
   * period, Auth0's reuse interval). Default false.
   */
  resendInDoubt?: boolean;
}

/**
 * The OAuth 2.0 refresh token grant (RFC 6749 §6), with rotation handled: each new refresh
 * token replaces the old one before the old one could be sent again.
 *
 * @param options - the token endpoint, client, and where the refresh token lives
 * @returns a {@link Grant} for {@link createTokenManager}
 * @example
 * ```ts
 * import { createTokenManager, refreshToken } from '@brace/auth';
 *
 * const auth = createTokenManager({
 *   grant: refreshToken({
 *     tokenUrl: 'https://id.example.com/oauth/token',
 *     clientId: 'app',
 *     refreshToken: process.env.REFRESH_TOKEN ?? '',
 *   }),
 * });
 * ```
 */
export function refreshToken(options: RefreshTokenOptions): Grant {
  const { load, save, recover } = options;
  if (options.refreshToken === undefined && load === undefined) {
    throw new AuthOptionError('refreshToken', 'a refreshToken or a load function');
  }
  if (options.refreshToken !== undefined && options.refreshToken === '') {
    throw new AuthOptionError('refreshToken', 'a non-empty string');
  }
  const auth = clientAuthOf(options) ?? oauth.None();
  const ep = endpoint(options.tokenUrl, options.clientId, auth, options);
  const credential = describeCredential('refresh token', options.clientId, options.tokenUrl);
  const grant: Grant = {
    credential,
    rotatesRefreshToken: options.rotates !== false,
    dpop: ep.dpop,
    initialRefreshToken: async () => options.refreshToken ?? (await load?.()),
    async request({ now, signal, refreshToken: current }) {
      if (current === undefined || current === '') {
        throw new AuthOptionError('refreshToken', 'a refresh token (load() returned none)');
      }
      const token = await exchange(
        credential,
        ep,
        now,
        signal,
        (o) => oauth.refreshTokenGrantRequest(ep.as, ep.client, ep.clientAuth, current, o),
        (r) => oauth.processRefreshTokenResponse(ep.as, ep.client, r),
      );
      // Servers that do not rotate answer without a refresh token: keep the current one.
      return token.refreshToken === undefined ? { ...token, refreshToken: current } : token;
    },
  };
  if (save !== undefined) grant.saveRefreshToken = save;
  if (options.resendInDoubt === true && recover === undefined) {
    grant.recover = (context) => grant.request(context);
  }
  if (recover !== undefined) {
    grant.recover = async ({ now }): Promise<TokenSet> => {
      const r = await recover();
      // Without one, the next refresh would fall back to the first refresh token: long spent.
      if (typeof r?.refreshToken !== 'string' || r.refreshToken === '') {
        throw new AuthOptionError('recover', 'a result with the new grant’s refreshToken');
      }
      return {
        accessToken: r.accessToken,
        tokenType: (r.tokenType ?? 'bearer').toLowerCase(),
        expiresAt: expiryOf(now, r.expiresIn, r.expiresAt),
        refreshToken: r.refreshToken,
      };
    };
  }
  return grant;
}
