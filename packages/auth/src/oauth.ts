import * as oauth from 'oauth4webapi';
import { AuthGrantError, AuthOptionError } from './errors.js';
import { expiryOf, GrantFailure, type TokenSet } from './grant.js';

/** RFC 6749 §5.2 codes that no retry can fix. */
const PERMANENT = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
]);

/** Gateway answers: the authorization server behind may have processed the request. */
const GATEWAY_IN_DOUBT = new Set([502, 504]);

/** The longest OAuth error code echoed into a message (it comes from the server). */
const MAX_CODE_LENGTH = 64;

/** What an echoed error code may look like. */
const OAUTH_CODE = /^[a-z_]{1,64}$/;

/**
 * A key pair for DPoP proofs (a Web Crypto `CryptoKeyPair`, the public key extractable).
 *
 * @example
 * ```ts
 * import type { DPoPKeyPair } from '@brace/auth';
 *
 * const dpop: DPoPKeyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
 * ```
 */
export type DPoPKeyPair = Parameters<typeof oauth.DPoP>[1];

/** Transport options every OAuth grant takes. */
export interface OAuthTransportOptions {
  /** The `fetch` used for token requests (default: the global one). */
  fetch?: typeof fetch;
  /** Abort a token request after this many milliseconds (default {@link DEFAULT_TOKEN_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Allow an `http:` token URL (tests, loopback). Default false: only `https:`. */
  allowInsecureRequests?: boolean;
  /**
   * A key pair for DPoP (RFC 9449): token requests carry a proof and ask for a DPoP-bound
   * token, and the `./ky` and `./fetch` adapters send it as `Authorization: DPoP` with a proof
   * per request; `use_dpop_nonce` answers are retried once with the server's nonce. ES256
   * (`{ name: 'ECDSA', namedCurve: 'P-256' }`), RS/PS, or Ed25519; the public key extractable.
   * Processes sharing a store must share the key pair (the token is bound to it).
   */
  dpop?: DPoPKeyPair;
}

/** Default timeout of one token request, in milliseconds. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;

/** The oauth4webapi objects one grant uses. */
export interface OAuthEndpoint {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  options: oauth.TokenEndpointRequestOptions;
  timeoutMs: number;
  /** The DPoP handle, when the grant was given `dpop`. */
  dpop: oauth.DPoPHandle | undefined;
}

/** Checks a token URL and builds the oauth4webapi objects. */
export function endpoint(
  tokenUrl: string,
  clientId: string,
  clientAuth: oauth.ClientAuth,
  transport: OAuthTransportOptions,
): OAuthEndpoint {
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new AuthOptionError('tokenUrl', 'an absolute https: URL');
  }
  const insecure = transport.allowInsecureRequests === true;
  if (url.protocol !== 'https:' && !(insecure && url.protocol === 'http:')) {
    throw new AuthOptionError('tokenUrl', 'an https: URL (http: only with allowInsecureRequests)');
  }
  if (typeof clientId !== 'string' || clientId === '') {
    throw new AuthOptionError('clientId', 'a non-empty string');
  }
  const timeoutMs = transport.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new AuthOptionError('timeoutMs', 'a positive number');
  const options: oauth.TokenEndpointRequestOptions = {};
  if (insecure) options[oauth.allowInsecureRequests] = true;
  let dpop: oauth.DPoPHandle | undefined;
  if (transport.dpop !== undefined) {
    try {
      dpop = oauth.DPoP({}, transport.dpop);
    } catch {
      throw new AuthOptionError(
        'dpop',
        'a CryptoKeyPair (ES256, RS/PS, Ed25519) with an extractable public key',
      );
    }
    options.DPoP = dpop;
  }
  const customFetch = transport.fetch;
  if (customFetch !== undefined) {
    options[oauth.customFetch] = (input, init) => customFetch(input, init as RequestInit);
  }
  return {
    as: { issuer: url.origin, token_endpoint: url.href },
    client: { client_id: clientId },
    clientAuth,
    options,
    timeoutMs,
    dpop,
  };
}

/** The credential's description for messages: never a secret. */
export function describeCredential(kind: string, clientId: string, tokenUrl: string): string {
  const url = new URL(tokenUrl);
  return `${kind} for client "${clientId.slice(0, 64)}" at ${url.origin}${url.pathname}`;
}

/** A network error that certainly happened before the request left (nothing sent). */
function refusedBeforeSending(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** The OAuth error code of a 401 challenge, `invalid_client` when it has none. */
function challengeCode(error: oauth.WWWAuthenticateChallengeError): string {
  for (const challenge of error.cause) {
    const code = challenge.parameters.error;
    // Only a code-shaped value is echoed into messages (RFC 6749 codes are lower-case words).
    if (typeof code === 'string' && OAUTH_CODE.test(code)) return code;
  }
  return 'invalid_client';
}

/**
 * Runs one token request through oauth4webapi and maps every outcome: a token, a
 * permanent {@link AuthGrantError}, or a transient {@link GrantFailure}. oauth4webapi's own
 * errors are never chained as `cause`: they carry the response body, tokens included.
 */
export async function exchange(
  credential: string,
  ep: OAuthEndpoint,
  now: number,
  signal: AbortSignal,
  send: (options: oauth.TokenEndpointRequestOptions) => Promise<Response>,
  processResponse: (response: Response) => Promise<oauth.TokenEndpointResponse>,
): Promise<TokenSet> {
  const timeout = AbortSignal.timeout(ep.timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  for (let attempt = 1; ; attempt++) {
    const outcome = await exchangeOnce(
      credential,
      ep,
      now,
      signal,
      timeout,
      combined,
      send,
      processResponse,
    );
    // The server wants a DPoP nonce: oauth4webapi cached it from the answer; send once more.
    if (outcome !== NONCE) return outcome;
    if (attempt === 2) throw new GrantFailure('status', 400, false);
  }
}

const NONCE = Symbol('use_dpop_nonce');

/** One token request of {@link exchange}; `NONCE` when the server asked for a DPoP nonce. */
async function exchangeOnce(
  credential: string,
  ep: OAuthEndpoint,
  now: number,
  signal: AbortSignal,
  timeout: AbortSignal,
  combined: AbortSignal,
  send: (options: oauth.TokenEndpointRequestOptions) => Promise<Response>,
  processResponse: (response: Response) => Promise<oauth.TokenEndpointResponse>,
): Promise<TokenSet | typeof NONCE> {
  let response: Response;
  try {
    response = await send({ ...ep.options, signal: combined });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) throw new GrantFailure('timeout', undefined, true);
    throw new GrantFailure('network', undefined, !refusedBeforeSending(error));
  }
  const status = response.status;
  if (status >= 500 || status === 429 || status === 408) {
    await response.body?.cancel().catch(() => {});
    // A gateway's 502/504 says nothing about the server behind it: it may have acted.
    throw new GrantFailure('status', status, GATEWAY_IN_DOUBT.has(status));
  }
  let body: oauth.TokenEndpointResponse;
  try {
    body = await processResponse(response);
  } catch (error) {
    if (ep.dpop !== undefined && oauth.isDPoPNonceError(error)) return NONCE;
    if (error instanceof oauth.ResponseBodyError) {
      const code = String(error.error).slice(0, MAX_CODE_LENGTH);
      if (PERMANENT.has(code)) throw permanent(credential, code, status);
      throw new GrantFailure('status', status, false);
    }
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      throw permanent(credential, challengeCode(error).slice(0, MAX_CODE_LENGTH), status);
    }
    if (status >= 400) throw permanent(credential, 'invalid_response', status);
    throw new GrantFailure('invalid-response', status, true);
  }
  return {
    accessToken: body.access_token,
    tokenType: body.token_type,
    expiresAt: expiryOf(now, body.expires_in),
    refreshToken: body.refresh_token,
  };
}

/** The permanent error for `code`, with a hint on what to fix. */
export function permanent(credential: string, code: string, status: number | undefined) {
  const hint =
    code === 'invalid_client' || code === 'unauthorized_client'
      ? 'Check the client id and secret (or key) and that the client may use this grant.'
      : code === 'invalid_grant'
        ? 'The grant (refresh token, assertion) is invalid, expired or revoked: obtain a new one.'
        : 'Check the grant options (scope, audience, grant type).';
  return new AuthGrantError(credential, code, status, hint);
}
