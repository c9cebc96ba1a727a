/**
 * A `fetch` wrapper (`authFetch`) that sets the credential and, on a 401, refreshes once and retries once.
 *
 * @module
 */
import type { Authenticator } from './credential.js';
import { sendWithAuth } from './send.js';

/** The fetch signature: what the global `fetch` and ky's `fetch` option have. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Wraps `fetch` so every call carries the credential; on a 401 it refreshes once and
 * retries once, and a second 401 throws `AuthRejectedError`.
 *
 * @param auth - a token manager or an API key
 * @param fetchFn - the fetch to wrap (default: the global `fetch`, looked up per call)
 * @returns a fetch with authentication
 * @example
 * ```ts
 * import { clientCredentials, createTokenManager } from '@brace/auth';
 * import { authFetch } from '@brace/auth/fetch';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({ tokenUrl: 'https://id.example.com/token', clientId: 'app', clientSecret: 's' }),
 * });
 * const api = authFetch(auth);
 * const orders = await (await api('https://api.example.com/v1/orders')).json();
 * ```
 */
export function authFetch(auth: Authenticator, fetchFn?: FetchLike): FetchLike {
  const send: FetchLike = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  return (input, init) => {
    // ky passes a ready Request plus transport-only options (dispatcher...): keep both.
    const ready =
      input instanceof Request &&
      (init === undefined || !('headers' in init || 'body' in init || 'method' in init));
    const request = ready ? input : new Request(input, init);
    const extra = ready ? init : undefined;
    return sendWithAuth(auth, request, (r) => send(r, extra));
  };
}
