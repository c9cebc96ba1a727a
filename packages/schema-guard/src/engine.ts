import type { Clock } from '@brace/core';
import { createDriftDeduper } from './dedupe.js';
import { SchemaGuardOptionError, UnmatchedRouteError } from './errors.js';
import { type RouteMatch, Routes } from './routes.js';
import {
  type CheckSettings,
  checkBodyValue,
  checkResponseText,
  checkResponseValue,
  type DriftReport,
  type GuardMode,
  modeFrom,
  settingsFrom,
} from './validate.js';

/**
 * Options of {@link createSchemaGuard} (and of `schemaGuardHooks` in `@brace/schema-guard/ky`).
 */
export interface SchemaGuardOptions {
  /** `'throw'` (default): a response that does not match throws {@link ResponseSchemaError}; `'warn'`: it passes through unchanged and `onDrift` hears of it. */
  mode?: GuardMode;
  /** Throw {@link UnmatchedRouteError} (before sending) for a request no route matches. Default `false`: pass through. */
  strict?: boolean;
  /** The base URL routes are relative to. Default: the ky instance's `baseUrl` and `prefix`. */
  baseUrl?: string | URL;
  /** Receives drift reports, deduplicated per route and window. */
  onDrift?: (report: DriftReport) => unknown;
  /** Attach the raw body text to {@link ResponseSchemaError}. Default `false` (bodies can carry secrets). */
  includeBody?: boolean;
  /** Put offending values (and non-zod issue messages) in reports and errors. Default `false`. */
  includeValues?: boolean;
  /** The same drift is reported once per this many ms. Default {@link DEFAULT_DRIFT_WINDOW_MS}. */
  driftWindowMs?: number;
  /** Most distinct drifts remembered. Default {@link DEFAULT_DRIFT_MAX_ENTRIES}. */
  driftMaxEntries?: number;
  /** Source of time for drift windows. Default `systemClock`. */
  clock?: Clock;
  /** Longest response text parsed and validated. Default {@link DEFAULT_MAX_BODY_LENGTH}. */
  maxBodyLength?: number;
}

/**
 * Route-aware validation with drift deduplication, framework-free: what the ky hooks use,
 * usable directly with fetch.
 *
 * @example
 * ```ts
 * const guard = createSchemaGuard(routes, { mode: 'warn', onDrift: console.warn });
 * const match = guard.match('GET', 'https://api.example.com/users/1');
 * const res = await fetch('https://api.example.com/users/1');
 * const user = match ? await guard.checkResponse(match, res.status, await res.text()) : await res.json();
 * ```
 */
export interface SchemaGuard {
  /** The compiled routes. */
  readonly routes: Routes;
  /** The mode in force. */
  readonly mode: GuardMode;
  /**
   * Matches a request URL (absolute, or a path) relative to the base path. Returns undefined
   * when nothing matches, or throws {@link UnmatchedRouteError} under `strict: true`.
   *
   * @param method - the HTTP method
   * @param url - the request URL; the query string and fragment are ignored
   * @param basePath - the path prefix to strip, e.g. `/v2`; default: from the `baseUrl` option
   */
  match(method: string, url: string, basePath?: string): RouteMatch | undefined;
  /**
   * Validates an outgoing body for a matched route: returns the validated output (the route's
   * `body` schema applied), or the value unchanged when the route has no body schema. Throws
   * {@link RequestSchemaError}. Returns a promise only for asynchronous schemas.
   */
  checkBody(match: RouteMatch, value: unknown): unknown;
  /**
   * Parses and validates response text for a matched route (2xx: `response`; other statuses:
   * `errors[status]`, which never throw). Returns the validated output, or the raw JSON when
   * there is no schema or in `warn` mode. Returns a promise only for asynchronous schemas.
   */
  checkResponse(match: RouteMatch, status: number, text: string): unknown;
  /** Like {@link SchemaGuard.checkResponse}, for JSON that is already parsed. */
  checkResponseValue(match: RouteMatch, status: number, value: unknown): unknown;
}

function trimSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  return path.slice(0, end);
}

/**
 * The path that route patterns are relative to, as ky 2 resolves `prefix` and `baseUrl`: the
 * prefix (joined with a `/`) resolved against the base URL, else the base URL's directory.
 * Returned without a trailing slash (`''` for the root).
 *
 * @example
 * ```ts
 * import { basePathOf } from '@brace/schema-guard';
 *
 * basePathOf('https://api.example.com/v2/'); // '/v2'
 * basePathOf('https://api.example.com/v2/', 'billing'); // '/v2/billing'
 * basePathOf(undefined, '/api'); // '/api'
 * ```
 */
export function basePathOf(baseUrl?: string | URL, prefix?: string | URL): string {
  const prefixText = prefix === undefined ? '' : String(prefix);
  if (baseUrl === undefined && prefixText === '') return '';
  try {
    const base = new URL(baseUrl === undefined ? '/' : String(baseUrl), 'http://base.invalid/');
    const resolved = new URL(prefixText === '' ? '.' : `${trimSlashes(prefixText)}/`, base);
    return trimSlashes(resolved.pathname);
  } catch {
    throw new SchemaGuardOptionError('baseUrl', 'a URL or a path, like ky’s baseUrl and prefix');
  }
}

/**
 * The path of a URL string (absolute, or a path) without query or fragment; no URL parsing.
 * A `://` counts as the scheme's only before the first `/`, `?` or `#`, so a path whose query
 * holds a URL (`/login?next=https://…`) keeps its own path.
 */
export function pathOfUrl(url: string): string {
  let end = url.indexOf('?');
  if (end === -1) end = url.length;
  const hash = url.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme !== -1 && scheme < end && url.indexOf('/') === scheme + 1) {
    start = url.indexOf('/', scheme + 3);
    if (start === -1 || start > end) return '/';
  }
  return url.slice(start, end);
}

/** Strips `basePath` from `path` when it is a whole-segment prefix; else returns `path`. */
export function relativePath(path: string, basePath: string): string {
  if (basePath === '' || !path.startsWith(basePath)) return path;
  if (path.length === basePath.length) return '/';
  return path.charCodeAt(basePath.length) === 47 ? path.slice(basePath.length) : path;
}

class Guard implements SchemaGuard {
  readonly routes: Routes;
  readonly mode: GuardMode;
  readonly #strict: boolean;
  readonly #basePath: string;
  readonly #settings: CheckSettings;

  constructor(routes: Routes, options: SchemaGuardOptions) {
    if (!(routes instanceof Routes)) {
      throw new SchemaGuardOptionError('routes', 'the result of defineRoutes()');
    }
    if (typeof options !== 'object' || options === null) {
      throw new SchemaGuardOptionError('options', 'an object');
    }
    this.routes = routes;
    this.mode = modeFrom(options.mode);
    if (options.strict !== undefined && typeof options.strict !== 'boolean') {
      throw new SchemaGuardOptionError('strict', 'a boolean');
    }
    this.#strict = options.strict === true;
    this.#basePath = options.baseUrl === undefined ? '' : basePathOf(options.baseUrl);
    const dedupe = createDriftDeduper({
      windowMs: options.driftWindowMs,
      maxEntries: options.driftMaxEntries,
      clock: options.clock,
    } as Parameters<typeof createDriftDeduper>[0]);
    this.#settings = settingsFrom({ ...options, dedupe });
  }

  match(method: string, url: string, basePath = this.#basePath): RouteMatch | undefined {
    const path = relativePath(pathOfUrl(url), basePath);
    const match = this.routes.match(method, path);
    if (match === undefined && this.#strict) {
      throw new UnmatchedRouteError(method.toUpperCase(), path);
    }
    return match;
  }

  checkBody(match: RouteMatch, value: unknown): unknown {
    const schema = match.spec.body;
    if (schema === undefined) return value;
    return checkBodyValue(schema, value, match.route, this.#settings.includeValues);
  }

  checkResponse(match: RouteMatch, status: number, text: string): unknown {
    const ok = status >= 200 && status < 300;
    const schema = ok ? match.spec.response : match.spec.errors?.[status];
    if (schema === undefined) return text === '' ? undefined : JSON.parse(text);
    const shape = ok ? match.compiled.responseShape : match.compiled.errorShapes.get(status);
    return checkResponseText(
      this.#settings,
      schema,
      shape!,
      text,
      ok ? this.mode : 'warn',
      match.route,
      status,
    );
  }

  checkResponseValue(match: RouteMatch, status: number, value: unknown): unknown {
    const ok = status >= 200 && status < 300;
    const schema = ok ? match.spec.response : match.spec.errors?.[status];
    if (schema === undefined) return value;
    const shape = ok ? match.compiled.responseShape : match.compiled.errorShapes.get(status);
    return checkResponseValue(
      this.#settings,
      schema,
      shape!,
      value,
      ok ? this.mode : 'warn',
      match.route,
      status,
      undefined,
    );
  }
}

/**
 * Creates the route-aware guard the ky hooks are built on; use it directly with fetch.
 * Throws {@link SchemaGuardOptionError} for bad options.
 *
 * @example
 * ```ts
 * import { createSchemaGuard, defineRoutes } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const routes = defineRoutes({ 'GET /users/:id': { response: z.object({ id: z.number() }) } });
 * const guard = createSchemaGuard(routes, { baseUrl: 'https://api.example.com/v2/', mode: 'warn' });
 * const url = 'https://api.example.com/v2/users/1';
 * const res = await fetch(url);
 * const match = guard.match('GET', url);
 * const user = match ? await guard.checkResponse(match, res.status, await res.text()) : await res.json();
 * ```
 */
export function createSchemaGuard<T>(
  routes: Routes<T>,
  options: SchemaGuardOptions = {},
): SchemaGuard {
  return new Guard(routes as unknown as Routes, options);
}
