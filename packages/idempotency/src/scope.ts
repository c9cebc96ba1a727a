import { type IdempotencyRequest, sha256Fingerprint } from './fingerprint.js';

/**
 * The request headers {@link credentialScope} hashes: `authorization`, `x-api-key` and
 * `cookie`, whichever the request carries.
 *
 * @example
 * ```ts
 * import { DEFAULT_CREDENTIAL_HEADERS } from '@brace/idempotency';
 *
 * DEFAULT_CREDENTIAL_HEADERS; // ['authorization', 'x-api-key', 'cookie']
 * ```
 */
export const DEFAULT_CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'x-api-key',
  'cookie',
]);

const NONE = new Uint8Array(0);

/**
 * The default `scope`: separates callers by the credentials their requests carry, as Stripe
 * scopes keys to the account. It is a SHA-256 of the {@link DEFAULT_CREDENTIAL_HEADERS}
 * values present (`cred:<base64url>`), so two callers with different API keys, tokens or
 * sessions never see each other's records even when they pick the same Idempotency-Key; the
 * credentials themselves are never stored, only their hash. A request without any of those
 * headers gets the scope `anonymous`, shared by all such requests.
 *
 * A credential that changes between a request and its retry (a rotated token, a session
 * cookie set anew, a cookie header that also carries analytics cookies) gives the retry
 * another scope, and the handler runs again: where that can happen, pass your own `scope`
 * (the account or API key id your authentication resolved), or `scope: false` to share one
 * scope between all callers (only when keys are unguessable and callers trusted).
 *
 * @param request - the request as the middleware sees it
 * @returns the scope: `cred:<hash>` or `anonymous`
 *
 * @example
 * ```ts
 * import { credentialScope } from '@brace/idempotency';
 *
 * await credentialScope({
 *   method: 'POST', path: '/orders', search: '', body: new Uint8Array(), raw: undefined,
 *   header: (name) => (name === 'authorization' ? 'Bearer sk_test_123' : undefined),
 * }); // 'cred:…'
 * ```
 */
export async function credentialScope(request: IdempotencyRequest): Promise<string> {
  const read = request.header;
  if (read === undefined) return 'anonymous';
  let text = '';
  for (const name of DEFAULT_CREDENTIAL_HEADERS) {
    const value = read(name);
    if (value !== undefined && value !== '') text += `${name}\n${value}\n`;
  }
  if (text === '') return 'anonymous';
  const hash = await sha256Fingerprint(text, NONE);
  return `cred:${hash.slice('sha256:'.length)}`;
}
