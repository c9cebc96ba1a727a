import {
  type Authenticator,
  applyCredential,
  type Credential,
  UNAUTHORIZED,
} from './credential.js';
import { AuthRejectedError } from './errors.js';

/** Sends one request; what `fetch` is, minus the overloads. */
export type SendRequest = (request: Request) => Promise<Response>;

/** Discards a response body that will not be read. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

/**
 * Sends `request` with `credential` on it; a header credential is taken off again when the
 * attempt fails (a status outside 2xx, or a network error), so the request object an error
 * keeps (ky's `HTTPError.request`) never carries it.
 */
function sendOnce(
  auth: Authenticator,
  request: Request,
  credential: Credential,
  send: SendRequest,
): Promise<Response> {
  if (auth.send !== undefined) return auth.send(request, credential, send);
  const sent = applyCredential(request, credential);
  if (credential.in !== 'header') return send(sent);
  const clear = () => {
    sent.headers.delete(credential.name);
  };
  let pending: Promise<Response>;
  try {
    pending = send(sent);
  } catch (error) {
    clear();
    throw error;
  }
  // Registered before the caller's own reactions, so it runs before the caller sees the outcome.
  // Only failures are cleared (what an HTTPError or a network error holds on to): a success
  // costs nothing more.
  pending.then((response) => {
    if (!response.ok) clear();
  }, clear);
  return pending;
}

/**
 * The one rule every adapter follows: put the credential on, send; on a 401 ask the
 * authenticator once for another credential (a refreshed token, the other API key) and
 * send once more; a second 401 is {@link AuthRejectedError}. Never a loop.
 *
 * @param auth - a token manager or an API key
 * @param request - the request (its body is kept for the one retry)
 * @param send - sends a request
 * @returns the response that was not a 401
 * @example
 * ```ts
 * import { apiKey, sendWithAuth } from '@brace/auth';
 *
 * const response = await sendWithAuth(
 *   apiKey({ header: 'x-api-key', keys: ['k'] }),
 *   new Request('https://api.example.com/v1/me'),
 *   (request) => fetch(request),
 * );
 * ```
 */
export async function sendWithAuth(
  auth: Authenticator,
  request: Request,
  send: SendRequest,
): Promise<Response> {
  const signal = request.signal;
  const pending = auth.authorize(signal);
  const first = pending instanceof Promise ? await pending : pending;
  // A body can be read once: keep a copy for the one retry (no copy needed without a body).
  const spare = request.body === null ? undefined : request.clone();
  const response = await sendOnce(auth, request, first, send);
  if (response.status !== UNAUTHORIZED) {
    auth.accepted?.(first);
    return response;
  }
  discard(response);
  const second = await auth.rejected(first, signal);
  if (second === undefined) throw new AuthRejectedError(UNAUTHORIZED);
  const retried = await sendOnce(auth, spare ?? request, second, send);
  if (retried.status === UNAUTHORIZED) {
    discard(retried);
    throw new AuthRejectedError(UNAUTHORIZED);
  }
  auth.accepted?.(second);
  return retried;
}
