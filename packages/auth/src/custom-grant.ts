import { AuthOptionError } from './errors.js';
import { expiryOf, type Grant, type GrantContext } from './grant.js';

/**
 * What a {@link customGrant} function returns: the token and its lifetime
 * (`expiresIn` seconds or `expiresAt` epoch milliseconds; neither means "until a 401").
 *
 * @example
 * ```ts
 * import type { CustomTokenResponse } from '@brace/auth';
 *
 * const response: CustomTokenResponse = { accessToken: 'at', expiresIn: 3600 };
 * ```
 */
export interface CustomTokenResponse {
  /** The access token. */
  accessToken: string;
  /** Lifetime in seconds. */
  expiresIn?: number;
  /** Expiry in epoch milliseconds (wins over `expiresIn`). */
  expiresAt?: number;
  /** A refresh token for the next call, passed back in `context.refreshToken`. */
  refreshToken?: string;
  /** The token type, `bearer` by default. */
  tokenType?: string;
}

/**
 * Options of {@link customGrant}.
 *
 * @example
 * ```ts
 * import type { CustomGrantOptions } from '@brace/auth';
 *
 * const options: CustomGrantOptions = { name: 'vendor JWT bearer' };
 * ```
 */
export interface CustomGrantOptions {
  /** Names the credential in errors and events (default `custom grant`). */
  name?: string;
  /** Whether each call consumes the refresh token it is given (default false). */
  rotatesRefreshToken?: boolean;
}

/**
 * A grant from your own function, for anything the OAuth grants do not cover (JWT bearer,
 * vendor token schemes). Throw an `AuthGrantError` for a permanent refusal; any other
 * error is treated as transient and retried (and never copied into messages).
 *
 * @param fetchToken - obtains a token
 * @param options - a name for messages, rotation
 * @returns a {@link Grant} for {@link createTokenManager}
 * @example
 * ```ts
 * import { createTokenManager, customGrant } from '@brace/auth';
 *
 * const auth = createTokenManager({
 *   grant: customGrant(async ({ signal }) => {
 *     const response = await fetch('https://vendor.example.com/session', { method: 'POST', signal });
 *     const body = (await response.json()) as { token: string; ttl: number };
 *     return { accessToken: body.token, expiresIn: body.ttl };
 *   }),
 * });
 * ```
 */
export function customGrant(
  fetchToken: (context: GrantContext) => Promise<CustomTokenResponse>,
  options: CustomGrantOptions = {},
): Grant {
  if (typeof fetchToken !== 'function') {
    throw new AuthOptionError('customGrant', 'an async function returning { accessToken }');
  }
  return {
    credential: options.name ?? 'custom grant',
    rotatesRefreshToken: options.rotatesRefreshToken === true,
    async request(context) {
      const r = await fetchToken(context);
      if (typeof r?.accessToken !== 'string' || r.accessToken === '') {
        throw new AuthOptionError('customGrant', 'a result with a non-empty accessToken string');
      }
      return {
        accessToken: r.accessToken,
        tokenType: (r.tokenType ?? 'bearer').toLowerCase(),
        expiresAt: expiryOf(context.now, r.expiresIn, r.expiresAt),
        refreshToken: r.refreshToken,
      };
    },
  };
}
