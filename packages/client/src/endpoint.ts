import { type FetchLike, hostOfUrl } from '@brace/core';
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

/**
 * @internal The innermost observer of every attempt's raw answer (a fetch wrapper, so no response
 * is cloned for it): deprecation notices, and (`record`) each status for the retry budget and the
 * breaker. What the provider says about its limits (`Retry-After`,
 * rate-limit headers, a bare 429) is the limiter's to read: `rateLimitFetch` observes every answer.
 */
export function observeFetch(
  parts: Parts,
  routes: Routes<unknown> | undefined,
  record?: (host: string, status: number) => void,
): (next: FetchLike) => FetchLike {
  const nameOf = endpointNamer(parts.baseUrl, routes);
  return (next) => async (input, init) => {
    const response = await next(input, init);
    // The retry budget's and the breaker's record of this status (backoff's, here rather than in
    // a fetch wrapper of its own: one async step fewer per attempt).
    if (record !== undefined) record(hostOfUrl((input as Request).url), response.status);
    const headers = response.headers;
    // Most answers carry neither header: nothing to name, no closure to build.
    if (!headers.has('deprecation') && !headers.has('sunset')) return response;
    // Both forms always pass a Request here (ky does; createFetch prepares one).
    const request = input as Request;
    parts.observeDeprecation(headers, () => nameOf(request.method, request.url));
    return response;
  };
}
