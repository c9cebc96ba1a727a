/**
 * An axios adapter (`cacheAdapter`) with the cache in front of axios' own adapter.
 *
 * @module
 */
import {
  Axios,
  type AxiosAdapter,
  AxiosError,
  AxiosHeaders,
  type AxiosResponse,
  getAdapter,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { Cache } from './cache.js';

/**
 * Options of {@link cacheAdapter}.
 *
 * @example
 * ```ts
 * import type { CacheAdapterOptions } from '@brace/cache/axios';
 *
 * const options: CacheAdapterOptions = { adapter: 'http' };
 * ```
 */
export interface CacheAdapterOptions {
  /** The adapter that reaches the origin. Default: axios' own (`['xhr', 'http', 'fetch']`). */
  adapter?: AxiosAdapter | 'xhr' | 'http' | 'fetch';
}

const CACHEABLE_TYPES = new Set([undefined, 'json', 'text', 'arraybuffer']);
type BufferLike = { from(bytes: Uint8Array): Uint8Array };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

function headersOf(config: InternalAxiosRequestConfig): Headers {
  const headers = new Headers();
  const plain = AxiosHeaders.from(config.headers).toJSON();
  for (const name in plain) {
    const value = plain[name];
    if (value !== undefined && value !== null) headers.set(name, String(value));
  }
  // axios' adapters turn `auth` into an Authorization header after this point (replacing any
  // given one): the cache must see it to partition by it. Only its hash reaches the key.
  const auth = Object.hasOwn(config, 'auth') ? config.auth : undefined;
  if (auth) {
    const pair = `${encodeURIComponent(auth.username ?? '')}:${encodeURIComponent(auth.password ?? '')}`;
    headers.set('authorization', `axios-auth ${pair}`);
  }
  return headers;
}

function responseHeadersOf(headers: AxiosResponse['headers']): Headers {
  const out = new Headers();
  const plain = AxiosHeaders.from(headers as AxiosHeaders).toJSON();
  for (const name in plain) {
    const value = plain[name];
    if (Array.isArray(value)) for (const v of value) out.append(name, String(v));
    else if (value !== undefined && value !== null) out.set(name, String(value));
  }
  return out;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The answer's headers as axios gives them: `set-cookie` an array, as its http adapter does. */
function answerHeaders(headers: Headers): AxiosHeaders {
  const out = AxiosHeaders.from(Object.fromEntries(headers));
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out.set('set-cookie', cookies);
  return out;
}

/**
 * An axios adapter with the cache in front of the real one. Set it as the `adapter` option.
 * GET and HEAD answers with `responseType` json (the default), text or arraybuffer are cached;
 * streams pass through. A failure of the real adapter (`ECONNREFUSED`, a timeout's
 * `ECONNABORTED`, a 5xx) is answered from a stale entry when its window allows; the answer
 * carries the reason header (`brace-cache`). `validateStatus` is applied to the final answer,
 * as axios does.
 *
 * @param cache - from `createCache`
 * @param options - the real adapter
 * @returns an axios adapter
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createCache } from '@brace/cache';
 * import { cacheAdapter } from '@brace/cache/axios';
 *
 * const api = axios.create({ baseURL: 'https://api.example.com/v1/', adapter: cacheAdapter(createCache({ staleIfErrorMs: 600_000 })) });
 * const { data, headers } = await api.get('rates');
 * console.log(headers['brace-cache']); // 'fresh' when it came from the cache
 * ```
 */
export function cacheAdapter(cache: Cache, options: CacheAdapterOptions = {}): AxiosAdapter {
  const inner = getAdapter(options.adapter ?? ['xhr', 'http', 'fetch']);
  return async (config) => {
    const method = (config.method ?? 'get').toUpperCase();
    if (!CACHEABLE_TYPES.has(config.responseType)) return inner(config);
    const headers = headersOf(config);
    // The key's URL: the request itself goes through the real adapter with the config as given.
    const url = buildUrl(config);
    const response = await cache.handle(
      { method, url, headers },
      async (conditional, how) => {
        const requestHeaders = AxiosHeaders.from(config.headers);
        for (const name in conditional) requestHeaders.set(name, conditional[name]);
        const res = await inner({
          ...config,
          headers: requestHeaders,
          responseType: 'arraybuffer',
          validateStatus: () => true,
          // A background refresh outlives the caller: its signal must not cancel it.
          ...(how?.background === true ? { signal: undefined } : {}),
        });
        const body =
          NULL_BODY.has(res.status) || method === 'HEAD'
            ? null
            : new Uint8Array(res.data as ArrayBuffer);
        return new Response(body, {
          status: res.status,
          statusText: res.statusText,
          headers: responseHeadersOf(res.headers),
        });
      },
      { signal: config.signal instanceof AbortSignal ? config.signal : undefined },
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    const data =
      config.responseType === 'arraybuffer'
        ? (NodeBuffer?.from(bytes) ?? bytes.buffer)
        : new TextDecoder().decode(bytes);
    const answer: AxiosResponse = {
      data,
      status: response.status,
      statusText: response.statusText,
      headers: answerHeaders(response.headers),
      config,
      request: undefined,
    };
    const validate = config.validateStatus;
    if (!validate || validate(answer.status)) return answer;
    throw new AxiosError(
      `Request failed with status code ${answer.status}`,
      answer.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
      config,
      undefined,
      answer,
    );
  };
}

const uris = new Axios({});

/** The absolute URL axios will request: baseURL + url + params, serialised by axios itself. */
function buildUrl(config: InternalAxiosRequestConfig): string {
  return new URL(uris.getUri(config)).href;
}
