import type { Routes } from '@brace/schema-guard';

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
