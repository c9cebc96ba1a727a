import * as oauth from 'oauth4webapi';
import type { Credential } from './credential.js';

/** Sends one request. */
type Send = (request: Request) => Promise<Response>;

/**
 * One attempt with a DPoP-bound token (RFC 9449 §7): oauth4webapi signs a proof for the
 * request's method and URL (with `ath`, the token's hash, and the server's cached nonce) and
 * sets `Authorization: DPoP` and `DPoP`; everything else about the request (body, signal,
 * redirect mode) stays the caller's. A `use_dpop_nonce` challenge is answered once with the
 * nonce the server sent; any other challenge (401 `invalid_token`, 403) comes back as the
 * response, for the adapters' refresh-once rule.
 */
export async function sendWithDpop(
  handle: oauth.DPoPHandle,
  request: Request,
  credential: Credential,
  send: Send,
): Promise<Response> {
  const accessToken = credential.value.slice(credential.value.indexOf(' ') + 1);
  // A body can be read once: keep a copy for the one nonce retry.
  const spare = request.body === null ? undefined : request.clone();
  const attempt = async (r: Request): Promise<Response | undefined> => {
    try {
      return await oauth.protectedResourceRequest(
        accessToken,
        r.method,
        new URL(r.url),
        new Headers(r.headers),
        undefined,
        {
          DPoP: handle,
          // The resource's scheme is the caller's choice, as with Bearer tokens.
          [oauth.allowInsecureRequests]: true,
          // Only the headers oauth4webapi prepared are taken; the request is the caller's.
          [oauth.customFetch]: (_url, init) =>
            send(new Request(r, { headers: init.headers as Record<string, string> })),
        },
      );
    } catch (error) {
      if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error;
      if (!oauth.isDPoPNonceError(error)) return error.response;
      await error.response.body?.cancel().catch(() => {});
      return undefined;
    }
  };
  const first = await attempt(request);
  if (first !== undefined) return first;
  const second = await attempt(spare ?? request);
  if (second !== undefined) return second;
  // Asked for a nonce twice in a row: report it as the refusal it is.
  return new Response(null, { status: 401 });
}
