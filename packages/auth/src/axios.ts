/**
 * axios interceptors (`installAuth`, `authInterceptors`) that set the credential and, on a 401, refresh once and retry once.
 *
 * @module
 */
import type { Authenticator, Credential } from './credential.js';
import { UNAUTHORIZED } from './credential.js';
import { AuthOptionError, AuthRejectedError } from './errors.js';

/**
 * The part of an axios request config the interceptors touch.
 *
 * @example
 * ```ts
 * import type { AxiosConfigLike } from '@brace/auth/axios';
 *
 * const config: AxiosConfigLike = { headers: {}, params: { page: 1 } };
 * ```
 */
export interface AxiosConfigLike {
  /** axios' headers (an `AxiosHeaders` or a plain object). */
  headers?: unknown;
  /** Query parameters. */
  params?: unknown;
  /** The request's cancellation signal: also cancels the wait for a token. */
  signal?: unknown;
}

/**
 * The part of an axios instance {@link installAuth} needs (typed structurally: no axios
 * import).
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import type { AxiosInstanceLike } from '@brace/auth/axios';
 *
 * const instance: AxiosInstanceLike = axios.create();
 * ```
 */
export interface AxiosInstanceLike {
  /** Sends a request from a config (used for the one retry after a 401). */
  // biome-ignore lint/suspicious/noExplicitAny: axios' config and response types stay axios'
  request(config: any): Promise<any>;
  /** axios' interceptor managers. */
  interceptors: AxiosInterceptorsLike;
}

/**
 * The part of axios' `interceptors` that {@link installAuth} uses.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import type { AxiosInterceptorsLike } from '@brace/auth/axios';
 *
 * const interceptors: AxiosInterceptorsLike = axios.create().interceptors;
 * ```
 */
export interface AxiosInterceptorsLike {
  /** Request interceptors. */
  request: {
    /** Adds one. */
    // biome-ignore lint/suspicious/noExplicitAny: structural match with axios' interceptor managers
    use(onFulfilled: (config: any) => any): number;
  };
  /** Response interceptors. */
  response: {
    /** Adds one pair. */
    // biome-ignore lint/suspicious/noExplicitAny: structural match with axios' interceptor managers
    use(onFulfilled: (response: any) => any, onRejected: (error: any) => any): number;
  };
}

/**
 * What {@link authInterceptors} returns.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { apiKey } from '@brace/auth';
 * import { type AuthInterceptorPair, authInterceptors } from '@brace/auth/axios';
 *
 * const instance = axios.create();
 * const pair: AuthInterceptorPair = authInterceptors(apiKey({ header: 'x-api-key', keys: ['k'] }), instance);
 * ```
 */
export interface AuthInterceptorPair {
  /** The request interceptor: sets the credential. */
  request: <C extends AxiosConfigLike>(config: C) => Promise<C>;
  /** The response interceptor pair: reports the key that worked; refreshes once on a 401. */
  // biome-ignore lint/suspicious/noExplicitAny: axios' response and error types stay axios'
  response: [(response: any) => any, (error: any) => Promise<any>];
}

const USED = Symbol('brace.auth.credential');
const PINNED = Symbol('brace.auth.pinned');

type Tagged = AxiosConfigLike & { [USED]?: Credential; [PINNED]?: Credential };

/** The config's AbortSignal, when it has a standard one. */
function signalOf(config: AxiosConfigLike): AbortSignal | undefined {
  return config.signal instanceof AbortSignal ? config.signal : undefined;
}

/** Puts `credential` on an axios config. */
function put(config: Tagged, credential: Credential): void {
  config[USED] = credential;
  if (credential.in === 'query') {
    config.params = {
      ...(config.params as object | undefined),
      [credential.name]: credential.value,
    };
    return;
  }
  const headers = config.headers as { set?: (n: string, v: string) => unknown } | undefined;
  if (typeof headers?.set === 'function') headers.set(credential.name, credential.value);
  else config.headers = { ...(headers as object | undefined), [credential.name]: credential.value };
}

/**
 * The axios interceptor pair: `request` sets the credential; `response` reports the key
 * that worked and, on a 401, asks for another credential once and re-sends once through
 * `instance.request`. A second 401 throws `AuthRejectedError`. A DPoP manager is refused
 * (`AuthOptionError`): use `./ky` or `./fetch` for DPoP.
 *
 * @param auth - a token manager or an API key
 * @param instance - the axios instance that re-sends
 * @returns `{ request, response: [onFulfilled, onRejected] }`
 * @example
 * ```ts
 * import axios from 'axios';
 * import { apiKey } from '@brace/auth';
 * import { authInterceptors } from '@brace/auth/axios';
 *
 * const instance = axios.create({ baseURL: 'https://api.example.com/' });
 * const { request, response } = authInterceptors(apiKey({ header: 'x-api-key', keys: ['k'] }), instance);
 * instance.interceptors.request.use(request);
 * instance.interceptors.response.use(...response);
 * ```
 */
export function authInterceptors(
  auth: Authenticator,
  instance: Pick<AxiosInstanceLike, 'request'>,
): AuthInterceptorPair {
  if (auth.send !== undefined) {
    // A DPoP proof is signed over the final method and URL, which axios settles after the
    // interceptors; sending the token without one would only earn 401s.
    throw new AuthOptionError(
      'auth',
      'a credential without DPoP for axios (use ./ky or ./fetch for DPoP)',
    );
  }
  return {
    async request(config) {
      const tagged = config as Tagged;
      const pinned = tagged[PINNED];
      const pending = pinned ?? auth.authorize(signalOf(tagged));
      put(tagged, pending instanceof Promise ? await pending : pending);
      return config;
    },
    response: [
      (response: { config?: Tagged }) => {
        const used = response?.config?.[USED];
        if (used !== undefined) auth.accepted?.(used);
        return response;
      },
      async (error: { config?: Tagged; response?: { status?: number } }) => {
        const config = error?.config;
        if (error?.response?.status !== UNAUTHORIZED || config === undefined) throw error;
        const used = config[USED];
        if (used === undefined) throw error;
        if (config[PINNED] !== undefined) throw new AuthRejectedError(UNAUTHORIZED);
        const next = await auth.rejected(used, signalOf(config));
        if (next === undefined) throw new AuthRejectedError(UNAUTHORIZED);
        config[PINNED] = next;
        return instance.request(config);
      },
    ],
  };
}

/**
 * Installs {@link authInterceptors} on an axios instance.
 *
 * @param instance - the axios instance
 * @param auth - a token manager or an API key
 * @returns the instance
 * @example
 * ```ts
 * import axios from 'axios';
 * import { clientCredentials, createTokenManager } from '@brace/auth';
 * import { installAuth } from '@brace/auth/axios';
 *
 * const auth = createTokenManager({
 *   grant: clientCredentials({ tokenUrl: 'https://id.example.com/token', clientId: 'app', clientSecret: 's' }),
 * });
 * const api = installAuth(axios.create({ baseURL: 'https://api.example.com/' }), auth);
 * ```
 */
export function installAuth<I extends AxiosInstanceLike>(instance: I, auth: Authenticator): I {
  const { request, response } = authInterceptors(auth, instance);
  instance.interceptors.request.use(request);
  instance.interceptors.response.use(...response);
  return instance;
}
