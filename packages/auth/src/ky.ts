/**
 * ky hooks (`authHooks`) that set the credential and, on a 401, refresh once and retry once.
 *
 * @module
 */
import { type HooksLike, wrapFetchHook } from '@brace/core';
import type { Authenticator } from './credential.js';
import { authFetch } from './fetch.js';

/**
 * ky hooks that authenticate every attempt: an `init` hook wraps ky's `fetch`, so the
 * credential is set on the first request and again on each of ky's (or
 * `@brace/backoff`'s) retries, and a 401 is refreshed once and retried once inside the
 * attempt. A second 401 throws `AuthRejectedError`, a `BraceError`, which neither ky nor
 * `@brace/backoff` retries.
 *
 * @param auth - a token manager or an API key
 * @returns hooks for `ky.create({ hooks })` or `composeHooks`
 * @example
 * ```ts
 * import ky from 'ky';
 * import { clientCredentials, createTokenManager } from '@brace/auth';
 * import { authHooks } from '@brace/auth/ky';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({ tokenUrl: 'https://id.example.com/token', clientId: 'app', clientSecret: 's' }),
 * });
 * const api = ky.create({ baseUrl: 'https://api.example.com/v1/', hooks: authHooks(auth) });
 * ```
 */
export function authHooks(auth: Authenticator): HooksLike {
  return { init: [wrapFetchHook((next) => authFetch(auth, next))] };
}
