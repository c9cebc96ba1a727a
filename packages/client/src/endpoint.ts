import type { FetchLike } from '@brace/core';
import type { Routes } from '@brace/schema-guard';
import type { Parts } from './parts.js';

/** @internal The path of `baseUrl`, without its trailing slash. */
export function basePathOf(baseUrl: string): string {
  const path = new URL(baseUrl).pathname;
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/** @internal The path of a request URL without the query, or '' when it is not a URL. */
function pathOf(url: string): string {
  const scheme = url.indexOf('://');
  const slash = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
  if (slash < 0) return '/';
  let end = url.length;
  for (let i = slash; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 || c === 35) {
      end = i;
      break;
    }
  }
  return url.slice(slash, end);
}

/**
 * @internal Names the endpoint of a request for deprecation notices: `METHOD /route/:param`
 * when a route matches, else `METHOD /path` (relative to the base path, query dropped).
 */
export function endpointNamer(
  baseUrl: string,
  routes: Routes<unknown> | undefined,
): (method: string, url: string) => string {
  const base = basePathOf(baseUrl);
  return (method, url) => {
    let path = pathOf(url);
    if (base !== '' && path.startsWith(base)) path = path.slice(base.length) || '/';
    const upper = method.toUpperCase();
    const match = routes?.match(upper, path);
    return match === undefined ? `${upper} ${path}` : match.route;
  };
}

/** @internal The deprecation observer: a fetch wrapper, so no response is cloned for it. */
export function deprecationFetch(
  parts: Parts,
  routes: Routes<unknown> | undefined,
): (next: FetchLike) => FetchLike {
  const nameOf = endpointNamer(parts.baseUrl, routes);
  return (next) => async (input, init) => {
    const response = await next(input, init);
    parts.observeDeprecation(response.headers, () => {
      const request = input instanceof Request ? input : undefined;
      const url = request ? request.url : String(input);
      return nameOf(request?.method ?? init?.method ?? 'GET', url);
    });
    return response;
  };
}
