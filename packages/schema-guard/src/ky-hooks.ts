import type { BeforeRequestState, Hooks, Options } from 'ky';
import {
  basePathOf,
  createSchemaGuard,
  pathOfUrl,
  relativePath,
  type SchemaGuardOptions,
} from './engine.js';
import { RequestSchemaError } from './errors.js';
import type { RouteMatch, Routes, RouteTable } from './routes.js';

type ParseJson = NonNullable<Options['parseJson']>;
type ParseContext = Parameters<ParseJson>[1];

const MARK = Symbol.for('@brace/schema-guard/parseJson');
/** Distinct URLs whose route match is remembered per method (the map is cleared when full). */
const MATCH_CACHE_SIZE = 256;
/** Distinct methods with a match cache. */
const MATCH_CACHE_METHODS = 16;

function isPromise(value: unknown): value is Promise<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * ky hooks that validate each request body before it is sent and each response body when it
 * is read, for the routes of a `defineRoutes` table:
 *
 * - `beforeRequest`: the JSON body is checked against the route's `body` schema; an invalid
 *   body throws {@link RequestSchemaError} and never leaves the process; a valid one is sent as
 *   the schema's output. Under `strict: true` an unmatched request throws
 *   `UnmatchedRouteError`.
 * - `init` installs a `parseJson` (wrapping yours, if any), so `.json()` and `response.json()`
 *   parse the body once, validate it, report drift, and return the validated output.
 *   No response clone, no re-serialization. In `throw` mode an invalid 2xx body throws
 *   `ResponseSchemaError`; in `warn` mode the raw JSON comes back unchanged.
 *
 * Routes are matched relative to the instance's `baseUrl`/`prefix` (or the `baseUrl` option).
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { composeHooks } from '@brace/core';
 * import { defineRoutes } from '@brace/schema-guard';
 * import { schemaGuardHooks } from '@brace/schema-guard/ky';
 * import { z } from 'zod';
 *
 * const routes = defineRoutes({ 'GET /users/:id': { response: z.object({ id: z.number() }) } });
 * const api = ky.create({
 *   baseUrl: 'https://api.example.com/v2/',
 *   hooks: composeHooks(schemaGuardHooks(routes, { mode: 'warn', onDrift: (r) => alert(r) })),
 * });
 * const user = await api.get('users/1').json(); // validated output
 * ```
 */
export function schemaGuardHooks<T>(routes: Routes<T>, options: SchemaGuardOptions = {}): Hooks {
  const parts = kyGuard(routes, options, false);
  return parts.beforeRequest === undefined
    ? { init: [parts.init] }
    : { init: [parts.init], beforeRequest: [parts.beforeRequest] };
}

/** What {@link schemaGuardOptions} returns: options to spread into `ky.create`. */
export interface SchemaGuardKyOptions {
  /** Parses, validates and reports drift for every `.json()` read of a matched route. */
  parseJson: ParseJson;
  /** Present when request bodies are validated (or under `strict`): a `beforeRequest` hook. */
  hooks?: Hooks;
}

/**
 * The same guard as {@link schemaGuardHooks}, as ky options instead of an `init` hook: a
 * `parseJson` to spread into `ky.create`, plus a `beforeRequest` hook only when some route
 * validates a request body (or under `strict`). ky charges every request for each kind of
 * hook it runs (an `init` hook makes it copy the options, whatever the hook does: with ky 2.2
 * a no-op `init` hook makes a stub-fetch GET take about 1.2–1.3× as long), so this form makes a
 * guarded GET cost what ky's own `.json(schema)` does; prefer it on hot paths. Because no hook sees
 * the client's options, routes are matched relative to the `baseUrl` option — pass the same
 * base as the client's `prefix`/`baseUrl` (without it, request paths are matched from the
 * root). It replaces ky's `parseJson`; to keep your own parser, use `schemaGuardHooks`.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { defineRoutes } from '@brace/schema-guard';
 * import { schemaGuardOptions } from '@brace/schema-guard/ky';
 * import { z } from 'zod';
 *
 * const routes = defineRoutes({ 'GET /users/:id': { response: z.object({ id: z.number() }) } });
 * const prefix = 'https://api.example.com/v2/';
 * const api = ky.create({ prefix, ...schemaGuardOptions(routes, { baseUrl: prefix }) });
 * const user = await api.get('users/1').json(); // validated output
 * ```
 */
export function schemaGuardOptions<T>(
  routes: Routes<T>,
  options: SchemaGuardOptions = {},
): SchemaGuardKyOptions {
  const parts = kyGuard(routes, options, true);
  const parseJson = parts.parserFor(parts.fixed as string);
  return parts.beforeRequest === undefined
    ? { parseJson }
    : { parseJson, hooks: { beforeRequest: [parts.beforeRequest] } };
}

/** The pieces both ky forms are built from. `fixedBase`: never read the client's options. */
function kyGuard<T>(routes: Routes<T>, options: SchemaGuardOptions, fixedBase: boolean) {
  const guard = createSchemaGuard(routes, options);
  const fixed =
    options.baseUrl === undefined ? (fixedBase ? '' : undefined) : basePathOf(options.baseUrl);
  let lastBase: unknown;
  let lastPrefix: unknown;
  let lastPath = '';
  let primed = false;
  const basePath = (baseUrl: unknown, prefix: unknown): string => {
    if (fixed !== undefined) return fixed;
    if (primed && baseUrl === lastBase && prefix === lastPrefix) return lastPath;
    lastPath = basePathOf(baseUrl as string | URL | undefined, prefix as string | undefined);
    lastBase = baseUrl;
    lastPrefix = prefix;
    primed = true;
    return lastPath;
  };

  // Route matches per method and URL string, for the current base path; bounded (cleared when full).
  let cachePath: string | undefined;
  const cache = new Map<string, Map<string, RouteMatch | null>>();
  const matchOf = (method: string, url: string, path: string): RouteMatch | undefined => {
    if (cachePath !== path) {
      cache.clear();
      cachePath = path;
    }
    let byUrl = cache.get(method);
    if (byUrl === undefined) {
      if (cache.size >= MATCH_CACHE_METHODS) cache.clear();
      byUrl = new Map();
      cache.set(method, byUrl);
    }
    const hit = byUrl.get(url);
    if (hit !== undefined) return hit ?? undefined;
    const match = routes.match(method, relativePath(pathOfUrl(url), path));
    if (byUrl.size >= MATCH_CACHE_SIZE) byUrl.clear();
    byUrl.set(url, match ?? null);
    return match;
  };

  const parse = (text: string, context: ParseContext, path: string, user?: ParseJson): unknown => {
    const { request, response } = context;
    const match = matchOf(request.method, request.url, path);
    if (match === undefined) {
      if (user !== undefined) return user(text, context);
      return text === '' ? undefined : JSON.parse(text);
    }
    if (user === undefined) return guard.checkResponse(match, response.status, text);
    const raw = user(text, context);
    return isPromise(raw)
      ? raw.then((value) => guard.checkResponseValue(match, response.status, value))
      : guard.checkResponseValue(match, response.status, raw);
  };

  // One parser per base path, made once; a user's own parseJson needs a wrapper per call.
  let parserPath: string | undefined;
  let parser: ParseJson | undefined;
  const parserFor = (path: string): ParseJson => {
    if (parser === undefined || parserPath !== path) {
      parserPath = path;
      parser = Object.assign((text: string, context: ParseContext) => parse(text, context, path), {
        [MARK]: true,
      });
    }
    return parser;
  };

  const init = (kyOptions: Options): void => {
    const path = basePath(kyOptions.baseUrl, kyOptions.prefix ?? '');
    const user = kyOptions.parseJson;
    if (user === undefined || (user as unknown as Record<symbol, unknown>)[MARK] === true) {
      kyOptions.parseJson = parserFor(path);
      return;
    }
    kyOptions.parseJson = (text, context) => parse(text, context, path, user);
  };

  // Only a route with a `body` schema (or `strict`) needs a look at the request: without one,
  // no beforeRequest hook is installed, so ky does no per-request work for it.
  const strict = options.strict === true;
  const bodyMethods = new Set<string>();
  const table = routes.table as unknown as RouteTable;
  for (const key of Object.keys(table)) {
    // Keys are checked by defineRoutes: an upper-case method, one space, a path.
    if (table[key]?.body !== undefined) bodyMethods.add(key.slice(0, key.indexOf(' ')));
  }

  const beforeRequest = ({ request, options: kyOptions }: BeforeRequestState) => {
    if (!strict && !bodyMethods.has(request.method.toUpperCase())) return undefined;
    const match = guard.match(
      request.method,
      request.url,
      basePath(kyOptions.baseUrl, kyOptions.prefix),
    );
    if (match === undefined || match.spec.body === undefined) return undefined;
    return checkRequest(request, (value) => guard.checkBody(match, value), match.route);
  };

  return {
    init,
    beforeRequest: strict || bodyMethods.size > 0 ? beforeRequest : undefined,
    parserFor,
    fixed,
  };
}

async function checkRequest(
  request: Request,
  check: (value: unknown) => unknown,
  route: string,
): Promise<Request> {
  let value: unknown;
  if (request.body !== null) {
    const text = await request.clone().text();
    try {
      value = text === '' ? undefined : JSON.parse(text);
    } catch {
      // No `cause`: the SyntaxError quotes part of the body.
      throw new RequestSchemaError(
        [{ message: 'The request body is not valid JSON', path: [] }],
        route,
      );
    }
  }
  const output = await check(value);
  return new Request(request, { body: output === undefined ? null : JSON.stringify(output) });
}
