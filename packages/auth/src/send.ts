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
 * Sends `request` with `credential` on it; a header credential is taken off again once the
 * attempt settled, so the request object a caller keeps (ky's `HTTPError.request`, a hook's
 * `request`) never carries it afterwards.
 */
async function sendOnce(
  auth: Authenticator,
  request: Request,
  credential: Credential,
  send: SendRequest,
) {
  if (auth.send !== undefined) return auth.send(request, credential, send);
  const sent = applyCredential(request, credential);
  try {
    return await send(sent);
  } finally {
    if (credential.in === 'header') sent.headers.delete(credential.name);
  }
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
