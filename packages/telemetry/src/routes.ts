import type { TemplateMatcher } from './templates.js';

/** Where a URL that cannot be parsed is counted (recording never throws into a request). */
const UNPARSABLE_URL = new URL('http://unknown.invalid/');

/** Most URL strings remembered; the cache starts afresh when full (memory stays bounded). */
const MAX_ROUTES = 256;

/** What a call's URL and method resolve to. Shared between calls: never to be modified. */
export interface Route {
  readonly url: URL;
  /** `url.hostname`, read once. */
  readonly hostname: string;
  /** The port, the scheme's default when the URL has none. */
  readonly port: number;
  /** The normalized method the template was matched for. */
  readonly method: string;
  /** The declared template the path matched, or undefined. */
  readonly template: string | undefined;
}

interface CachedRoute {
  url: URL;
  hostname: string;
  port: number;
  method: string;
  template: string | undefined;
}

function pageHref(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

function toUrl(url: string | URL, base: string | undefined): URL {
  if (typeof url !== 'string') return url;
  try {
    // Relative URLs resolve against the page in a browser.
    return new URL(url, base);
  } catch {
    return UNPARSABLE_URL;
  }
}

function routeOf(url: URL, method: string, template: string | undefined): CachedRoute {
  const port = Number(url.port || (url.protocol === 'https:' ? '443' : '80'));
  return { url, hostname: url.hostname, port, method, template };
}

/**
 * Resolves a call's URL (parsed) and template, remembering both per URL string: parsing a URL
 * costs more than the rest of starting a call, and clients call the same URLs again and again.
 * Templates are remembered only when matching is pure (a list of templates, or none); a
 * template function is asked on every call. URLs are parsed afresh where a page's address
 * could change what a relative one means (a browser).
 */
export class RouteCache {
  readonly #match: TemplateMatcher;
  readonly #pure: boolean;
  readonly #routes = new Map<string, CachedRoute>();
  #lastInput: string | undefined;
  #lastRoute: CachedRoute | undefined;

  constructor(match: TemplateMatcher, pure: boolean) {
    this.#match = match;
    this.#pure = pure;
  }

  resolve(method: string, input: string | URL): Route {
    const base = typeof input === 'string' ? pageHref() : undefined;
    if (typeof input !== 'string' || base !== undefined) {
      const url = toUrl(input, base);
      return routeOf(url, method, this.#match(method, url.pathname));
    }
    // The same URL as the previous call: a string comparison instead of a hash and a lookup.
    const known = input === this.#lastInput ? this.#lastRoute : this.#routes.get(input);
    const route = known ?? routeOf(toUrl(input, undefined), method, undefined);
    this.#lastInput = input;
    this.#lastRoute = route;
    if (known === undefined) {
      if (this.#routes.size >= MAX_ROUTES) this.#routes.clear();
      this.#routes.set(input, route);
      route.template = this.#match(method, route.url.pathname);
      return route;
    }
    if (!this.#pure) return { ...route, method, template: this.#match(method, route.url.pathname) };
    if (route.method !== method) {
      route.template = this.#match(method, route.url.pathname);
      route.method = method;
    }
    return route;
  }
}
