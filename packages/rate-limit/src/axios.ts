import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { RateLimiter, Release } from './types.js';

/** Options of {@link axiosRateLimit}. */
export interface AxiosRateLimitOptions {
  /**
   * The limiter key (tenant / partition) of a request. Default: the URL's host, which is also
   * the partition the responses' headers pause or pace.
   */
  key?: (config: InternalAxiosRequestConfig) => string;
}

/** Where the adapter keeps a request's slot on its config. */
const SLOT = 'brace-rate-limit';
type Carrier = InternalAxiosRequestConfig & { [SLOT]?: { key: string; release: Release } };

function hostOf(config: InternalAxiosRequestConfig): string {
  try {
    return new URL(config.url ?? '', config.baseURL).host;
  } catch {
    return 'default';
  }
}

/** Frees the slot a request holds (once), after observing its response headers if any. */
function settle(
  limiter: RateLimiter,
  config: InternalAxiosRequestConfig | undefined,
  response: AxiosResponse | undefined,
): void {
  const carrier = config as Carrier | undefined;
  const slot = carrier?.[SLOT];
  if (carrier === undefined || slot === undefined) return;
  carrier[SLOT] = undefined;
  try {
    if (response !== undefined) {
      limiter.observe({ status: response.status, headers: response.headers } as never, {
        key: slot.key,
      });
    }
  } finally {
    slot.release();
  }
}

/**
 * Rate-limits an axios instance: a request interceptor waits for a slot of the limiter
 * (honouring the request's `signal`) and a response interceptor observes the response's
 * `Retry-After` / rate-limit headers (pausing or pacing the partition) and frees the slot,
 * on success and on error alike. Requests are keyed by host unless `key` says otherwise.
 * Returns a function that removes both interceptors. Pair it with `@brace/backoff/axios` so
 * the rare 429 is retried (install the rate limit first: each retry then waits for a slot).
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createRateLimiter } from '@brace/rate-limit';
 * import { axiosRateLimit } from '@brace/rate-limit/axios';
 *
 * const limiter = createRateLimiter({ policies: [{ limit: 50, intervalMs: 1000 }], concurrency: 8 });
 * const api = axios.create({ baseURL: 'https://api.example.com/v2/' });
 * axiosRateLimit(api, limiter);
 * await api.get('items');
 * ```
 */
export function axiosRateLimit(
  instance: AxiosInstance,
  limiter: RateLimiter,
  options: AxiosRateLimitOptions = {},
): () => void {
  const keyOf = options.key ?? hostOf;
  const request = instance.interceptors.request.use(async (config) => {
    const key = keyOf(config);
    const signal = config.signal as AbortSignal | undefined;
    const release = await limiter.acquire(signal === undefined ? { key } : { key, signal });
    (config as Carrier)[SLOT] = { key, release };
    return config;
  });
  const response = instance.interceptors.response.use(
    (res) => {
      settle(limiter, res.config, res);
      return res;
    },
    (error: AxiosError) => {
      settle(limiter, error.config, error.response);
      throw error;
    },
  );
  return () => {
    instance.interceptors.request.eject(request);
    instance.interceptors.response.eject(response);
  };
}
