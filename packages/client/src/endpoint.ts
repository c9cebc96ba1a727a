import { type FetchLike, hostOfUrl, parseServerDelay } from '@brace/core';
import type { Routes } from '@brace/schema-guard';
import type { Parts } from './parts.js';

/**
 * @internal Names the endpoint of a request for deprecation notices: `METHOD /route/:param`
 * when a route matches, else `METHOD /path` (relative to the base path, query dropped).
 */
export function endpointNamer(
  baseUrl: string,
  routes: Routes<unknown> | undefined,
): (method: string, url: string) => string {
  const base = new URL(baseUrl).pathname.replace(/\/$/, '');
  return (method, url) => {
    // Only runs for responses that carry a notice: parsing the URL here costs nothing per call.
    let path = new URL(url).pathname;
    if (path.startsWith(`${base}/`)) path = path.slice(base.length);
    const upper = method.toUpperCase();
    const match = routes?.match(upper, path);
    return match === undefined ? `${upper} ${path}` : match.route;
  };
}

/** First adaptive pause after a 429 that names no wait, in ms. */
export const ADAPTIVE_PAUSE_MS = 1000;
/** Longest adaptive pause, in ms. */
export const MAX_ADAPTIVE_PAUSE_MS = 30_000;
/** Hosts whose adaptive state is remembered. */
const ADAPTIVE_MAX_KEYS = 100;

/**
 * @internal The limiter's answer when the provider advertises nothing: a 429 (or a preset's
 * rate-limit answer) without `Retry-After` or an exhausted quota pauses the host's queue for 1 s,
 * doubling with each such answer in a row up to 30 s; the next answer that is not one resets it.
 */
function adaptivePauser(
  parts: Parts,
): ((request: Request, response: Response) => void) | undefined {
  const { limiter, preset, clock } = parts;
  if (limiter === undefined) return undefined;
  const streak = new Map<string, number>();
  const limited = preset?.isRateLimited;
  return (request, response) => {
    const status = response.status;
    const isLimit = status === 429 || limited?.(status, response.headers) === true;
    if (!isLimit) {
      if (streak.size > 0) streak.delete(hostOfUrl(request.url));
      return;
    }
    if (parseServerDelay(response.headers, clock.now()) !== undefined) return; // the limiter heard it
    const key = hostOfUrl(request.url);
    const n = (streak.get(key) ?? 0) + 1;
    if (!streak.has(key) && streak.size >= ADAPTIVE_MAX_KEYS) streak.clear();
    streak.set(key, n);
    const durationMs = Math.min(
      MAX_ADAPTIVE_PAUSE_MS,
      ADAPTIVE_PAUSE_MS * 2 ** Math.min(n - 1, 15),
    );
    parts.pauseAdaptive(key, durationMs);
  };
}

/**
 * @internal The innermost observer of every attempt's raw answer (a fetch wrapper, so no response
 * is cloned for it): deprecation notices, and the adaptive pause.
 */
export function observeFetch(
  parts: Parts,
  routes: Routes<unknown> | undefined,
): (next: FetchLike) => FetchLike {
  const nameOf = endpointNamer(parts.baseUrl, routes);
  const adapt = adaptivePauser(parts);
  return (next) => async (input, init) => {
    const response = await next(input, init);
    // Both forms always pass a Request here (ky does; createFetch prepares one).
    const request = input as Request;
    parts.observeDeprecation(response.headers, () => nameOf(request.method, request.url));
    adapt?.(request, response);
    return response;
  };
}
