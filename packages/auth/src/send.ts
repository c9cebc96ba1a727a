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
 * Puts `credential` on `request` for one attempt (undefined when the authenticator sends
 * itself, as DPoP does).
 */
function prepare(auth: Authenticator, request: Request, credential: Credential) {
  return auth.send === undefined ? applyCredential(request, credential) : undefined;
}

/**
 * Takes a header credential off `sent` after a failed attempt (a status outside 2xx, or a
 * network error), so the request object an error keeps (ky's `HTTPError.request`) never
 * carries it. A success keeps it: nothing more to pay per request.
 */
function strip(sent: Request | undefined, credential: Credential): void {
  if (sent !== undefined && credential.in === 'header') sent.headers.delete(credential.name);
}

/** One attempt: the authenticator's own send, or `send` with the credential on. */
async function attempt(
  auth: Authenticator,
  request: Request,
  credential: Credential,
  send: SendRequest,
): Promise<Response> {
  const sent = prepare(auth, request, credential);
  try {
    const response = await (sent === undefined
      ? (auth.send as NonNullable<Authenticator['send']>)(request, credential, send)
      : send(sent));
    if (!response.ok) strip(sent, credential);
    return response;
  } catch (error) {
    strip(sent, credential);
    throw error;
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
  // The fast path inline (no extra async frame): a cached token, a 2xx.
  const sent = prepare(auth, request, first);
  let response: Response;
  try {
    response = await (sent === undefined ? attempt(auth, request, first, send) : send(sent));
  } catch (error) {
    strip(sent, first);
    throw error;
  }
  if (response.status !== UNAUTHORIZED) {
    if (!response.ok) strip(sent, first);
    auth.accepted?.(first);
    return response;
  }
  strip(sent, first);
  discard(response);
  const second = await auth.rejected(first, signal);
  if (second === undefined) throw new AuthRejectedError(UNAUTHORIZED);
  const retried = await attempt(auth, spare ?? request, second, send);
  if (retried.status === UNAUTHORIZED) {
    discard(retried);
    throw new AuthRejectedError(UNAUTHORIZED);
  }
  auth.accepted?.(second);
  return retried;
}
