import * as oauth from 'oauth4webapi';
import { AuthOptionError } from './errors.js';
import type { Grant } from './grant.js';
import { describeCredential, endpoint, exchange, type OAuthTransportOptions } from './oauth.js';

/**
 * A private key for `private_key_jwt` client authentication (RFC 7523): a Web Crypto
 * `CryptoKey`, or `{ key, kid }` to name the key in the JWT header.
 *
 * @example
 * ```ts
 * import type { PrivateKeyJwt } from '@brace/auth';
 *
 * const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
 * const jwtKey: PrivateKeyJwt = { key: privateKey, kid: 'key-2026' };
 * ```
 */
export type PrivateKeyJwt = Parameters<typeof oauth.PrivateKeyJwt>[0];

/**
 * Options of {@link clientCredentials}. Give `clientSecret` or `privateKeyJwt`.
 *
 * @example
 * ```ts
 * import type { ClientCredentialsOptions } from '@brace/auth';
 *
 * const options: ClientCredentialsOptions = {
 *   tokenUrl: 'https://id.example.com/oauth/token',
 *   clientId: 'app',
 *   clientSecret: process.env.CLIENT_SECRET ?? '',
 *   scope: ['orders:read'],
 * };
 * ```
 */
export interface ClientCredentialsOptions extends OAuthTransportOptions {
  /** The token endpoint, `https:`. */
  tokenUrl: string;
  /** The client id. */
  clientId: string;
  /** The client secret (sent with HTTP Basic unless `clientAuth: 'post'`). */
  clientSecret?: string;
  /** A private key for `private_key_jwt` instead of a secret. */
  privateKeyJwt?: PrivateKeyJwt;
  /** Where the secret goes: `basic` (Authorization header, default) or `post` (form body). */
  clientAuth?: 'basic' | 'post';
  /** Scopes, space-separated or as a list. */
  scope?: string | readonly string[];
  /** The `audience` parameter (Auth0, Okta and others). */
  audience?: string;
  /** More form parameters (`resource`, vendor parameters). */
  parameters?: Readonly<Record<string, string>>;
}

/** Client authentication from the options, exactly one of secret or key. */
export function clientAuthOf(options: {
  clientSecret?: string | undefined;
  privateKeyJwt?: PrivateKeyJwt | undefined;
  clientAuth?: 'basic' | 'post' | undefined;
}): oauth.ClientAuth | undefined {
  const { clientSecret, privateKeyJwt } = options;
  if (clientSecret !== undefined && privateKeyJwt !== undefined) {
    throw new AuthOptionError('clientSecret', 'either clientSecret or privateKeyJwt, not both');
  }
  if (privateKeyJwt !== undefined) return oauth.PrivateKeyJwt(privateKeyJwt);
  if (clientSecret === undefined) return undefined;
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw new AuthOptionError('clientSecret', 'a non-empty string');
  }
  return options.clientAuth === 'post'
    ? oauth.ClientSecretPost(clientSecret)
    : oauth.ClientSecretBasic(clientSecret);
}

/**
 * The OAuth 2.0 client credentials grant (RFC 6749 §4.4), through oauth4webapi.
 *
 * @param options - the token endpoint, client id and secret or key, scope, audience
 * @returns a {@link Grant} for {@link createTokenManager}
 * @example
 * ```ts
 * import { clientCredentials, createTokenManager } from '@brace/auth';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({
 *     tokenUrl: 'https://id.example.com/oauth/token',
 *     clientId: 'app',
 *     clientSecret: process.env.CLIENT_SECRET ?? '',
 *     audience: 'https://api.example.com',
 *   }),
 * });
 * ```
 */
export function clientCredentials(options: ClientCredentialsOptions): Grant {
  const auth = clientAuthOf(options);
  if (auth === undefined) {
    throw new AuthOptionError('clientSecret', 'a clientSecret or a privateKeyJwt');
  }
  const ep = endpoint(options.tokenUrl, options.clientId, auth, options);
  const params = new URLSearchParams(options.parameters);
  const scope = typeof options.scope === 'string' ? options.scope : options.scope?.join(' ');
  if (scope) params.set('scope', scope);
  if (options.audience !== undefined) params.set('audience', options.audience);
  const credential = describeCredential('client credentials', options.clientId, options.tokenUrl);
  return {
    credential,
    // The full client id and every parameter: a token for one scope or audience is not one for another.
    key: `client_credentials ${ep.as.token_endpoint} ${JSON.stringify(options.clientId)} ${params}`,
    rotatesRefreshToken: false,
    dpop: ep.dpop,
    request: ({ now, signal }) =>
      exchange(
        credential,
        ep,
        now,
        signal,
        (o) => oauth.clientCredentialsGrantRequest(ep.as, ep.client, ep.clientAuth, params, o),
        (r) => oauth.processClientCredentialsResponse(ep.as, ep.client, r),
      ),
  };
}
