/**
 * A credential to put on one request: a header or a query parameter.
 *
 * @example
 * ```ts
 * import type { Credential } from '@brace/auth';
 *
 * const credential: Credential = { in: 'header', name: 'authorization', value: 'Bearer at' };
 * ```
 */
export interface Credential {
  /** Where it goes. */
  readonly in: 'header' | 'query';
  /** The header or parameter name. */
  readonly name: string;
  /** Its value (secret: never logged). */
  readonly value: string;
}

/**
 * What the adapters (`./ky`, `./fetch`, `./axios`) need: a token manager and an
 * {@link apiKey} both are one. `authorize` answers synchronously when it can (a cached
 * token), so a fresh credential costs no promise.
 *
 * @example
 * ```ts
 * import type { Authenticator } from '@brace/auth';
 *
 * const fixed: Authenticator = {
 *   authorize: () => ({ in: 'header', name: 'x-api-key', value: 'k' }),
 *   rejected: async () => undefined,
 * };
 * ```
 */
export interface Authenticator {
  /** The credential for the next request. */
  authorize(signal?: AbortSignal): Credential | Promise<Credential>;
  /** `credential` got a 401: the credential to retry with once, or undefined to give up. */
  rejected(credential: Credential, signal?: AbortSignal): Promise<Credential | undefined>;
  /** `credential` got a response other than 401. */
  accepted?(credential: Credential): void;
  /**
   * Sends one attempt with `credential` itself, for credentials that are more than a header
   * (DPoP: a proof bound to the request's method and URL). Without it, the adapters put the
   * credential on the request and call `send`.
   */
  send?(
    request: Request,
    credential: Credential,
    send: (request: Request) => Promise<Response>,
  ): Promise<Response>;
}

/**
 * Returns `request` with `credential` on it: a header set in place, or a new request
 * with the query parameter replaced.
 *
 * @param request - the outgoing request
 * @param credential - what to put on it
 * @returns the request to send
 * @example
 * ```ts
 * import { applyCredential } from '@brace/auth';
 *
 * const request = applyCredential(new Request('https://api.example.com/'), {
 *   in: 'query',
 *   name: 'api_key',
 *   value: 'k',
 * });
 * ```
 */
export function applyCredential(request: Request, credential: Credential): Request {
  if (credential.in === 'header') {
    request.headers.set(credential.name, credential.value);
    return request;
  }
  const url = new URL(request.url);
  url.searchParams.set(credential.name, credential.value);
  return new Request(url, request);
}

/** The status that means "this credential was refused". */
export const UNAUTHORIZED = 401;
