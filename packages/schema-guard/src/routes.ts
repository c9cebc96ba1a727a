import { SchemaGuardOptionError } from './errors.js';
import { type Shape, shapeOf } from './shape.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** The HTTP methods a route key may start with. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

const METHODS: ReadonlySet<string> = new Set([
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
]);

/** A route key: a method, one space, and a path pattern such as `/users/:id`. */
export type RouteKey = `${HttpMethod} /${string}`;

/**
 * The schemas of one route. Every schema is any Standard Schema v1 (zod 4, valibot, arktype…).
 *
 * @example
 * ```ts
 * import type { RouteSpec } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const spec: RouteSpec = { body: z.object({ name: z.string() }), response: z.object({ id: z.number() }) };
 * ```
 */
export interface RouteSpec {
  /** The JSON request body; an invalid body is never sent. */
  readonly body?: StandardSchemaV1;
  /** The JSON body of a successful (2xx) response. */
  readonly response?: StandardSchemaV1;
  /** JSON bodies of error responses, by status code, e.g. `{ 404: NotFound }`. */
  readonly errors?: { readonly [status: number]: StandardSchemaV1 };
  /** The query (`searchParams`) of the typed client's `route()` calls, typed and validated before sending. */
  readonly query?: StandardSchemaV1;
  /** The request headers of the typed client's `route()` calls, typed and validated before sending. */
  readonly headers?: StandardSchemaV1;
}

/** A route table: route keys to their schemas. */
export type RouteTable = { readonly [key: string]: RouteSpec };

/** One compiled route (internal). */
export interface CompiledRoute {
  /** The route key as written, e.g. `GET /users/:id`. */
  readonly key: string;
  readonly method: string;
  /** Path segments; `null` stands for a `:param`. */
  readonly segments: ReadonlyArray<string | null>;
  readonly paramNames: ReadonlyArray<string>;
  readonly spec: RouteSpec;
  readonly bodyShape: Shape | undefined;
  readonly responseShape: Shape | undefined;
  readonly errorShapes: ReadonlyMap<number, Shape>;
  /** Number of static segments, for ordering: more specific routes first. */
  readonly rank: string;
}

/**
 * A request matched against the route table.
 *
 * @example
 * ```ts
 * const match = routes.match('GET', '/users/7');
 * match?.route; // 'GET /users/:id'
 * match?.params; // { id: '7' }
 * ```
 */
export interface RouteMatch {
  /** The matching route key, e.g. `'GET /users/:id'`. */
  readonly route: string;
  /** The `:param` values, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The route's schemas. */
  readonly spec: RouteSpec;
  /** @internal the compiled route */
  readonly compiled: CompiledRoute;
}

/**
 * Most segments a path may have to be matched; longer paths match nothing.
 *
 * @example
 * ```ts
 * import { MAX_PATH_SEGMENTS } from '@brace/schema-guard';
 *
 * console.log(MAX_PATH_SEGMENTS);
 * ```
 */
export const MAX_PATH_SEGMENTS = 64;

/**
 * A compiled route table, made by {@link defineRoutes}. Matching splits the path on `/` and
 * compares segments against the routes with the same method and segment count (static
 * segments win over params), so it never backtracks.
 *
 * @example
 * ```ts
 * import { defineRoutes } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const routes = defineRoutes({ 'GET /users/:id': { response: z.object({ id: z.number() }) } });
 * routes.match('GET', '/users/1')?.params.id; // '1'
 * ```
 */
export class Routes<T = RouteTable> {
  /** The table as it was defined. */
  readonly table: T;
  readonly #byShape = new Map<string, CompiledRoute[]>();

  /** @param table - the route table; use {@link defineRoutes} rather than `new`. */
  constructor(table: T) {
    if (typeof table !== 'object' || table === null) {
      throw new SchemaGuardOptionError('routes', 'an object of route keys to route schemas');
    }
    this.table = table;
    const specs = table as unknown as RouteTable;
    for (const key of Object.keys(specs)) {
      const route = compileRoute(key, specs[key]);
      const bucketKey = `${route.method} ${route.segments.length}`;
      const bucket = this.#byShape.get(bucketKey) ?? [];
      bucket.push(route);
      bucket.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
      this.#byShape.set(bucketKey, bucket);
    }
  }

  /**
   * Finds the route for a method and a path relative to the base URL (no query string).
   * Returns undefined when nothing matches.
   *
   * @param method - the HTTP method, any case
   * @param path - the path, e.g. `/users/7`
   */
  match(method: string, path: string): RouteMatch | undefined {
    const parts = splitPath(path);
    if (parts === undefined) return undefined;
    const bucket = this.#byShape.get(`${method.toUpperCase()} ${parts.length}`);
    if (bucket === undefined) return undefined;
    for (const route of bucket) {
      const params = matchSegments(route, parts);
      if (params !== undefined) {
        return { route: route.key, params, spec: route.spec, compiled: route };
      }
    }
    return undefined;
  }
}

function splitPath(path: string): string[] | undefined {
  const parts: string[] = [];
  let start = path.charCodeAt(0) === 47 ? 1 : 0;
  // A trailing slash is ignored: `/users/` matches `/users`.
  const end =
    path.length > 1 && path.charCodeAt(path.length - 1) === 47 ? path.length - 1 : path.length;
  if (start >= end) return parts;
  for (;;) {
    const slash = path.indexOf('/', start);
    if (slash === -1 || slash >= end) {
      parts.push(path.slice(start, end));
      return parts;
    }
    parts.push(path.slice(start, slash));
    if (parts.length >= MAX_PATH_SEGMENTS) return undefined;
    start = slash + 1;
  }
}

function matchSegments(
  route: CompiledRoute,
  parts: ReadonlyArray<string>,
): Record<string, string> | undefined {
  let params: Record<string, string> | undefined;
  let p = 0;
  for (let i = 0; i < parts.length; i++) {
    const expected = route.segments[i];
    const actual = parts[i] as string;
    if (expected === null) {
      if (actual.length === 0 || isDotSegment(actual)) return undefined;
      params ??= Object.create(null) as Record<string, string>;
      params[route.paramNames[p++] as string] = decode(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params ?? EMPTY_PARAMS;
}

const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

/**
 * A `.` or `..` segment (also as `%2E`): URLs resolve it away, so `users/..` would go out
 * as another path than the route it seemed to match; it never fills a param.
 */
function isDotSegment(segment: string): boolean {
  if (segment.length > 6) return false;
  const dots = segment.toLowerCase().replaceAll('%2e', '.');
  return dots === '.' || dots === '..';
}

function decode(segment: string): string {
  if (segment.indexOf('%') === -1) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}

function compileRoute(key: string, spec: RouteSpec | undefined): CompiledRoute {
  const option = `routes[${JSON.stringify(key)}]`;
  const space = key.indexOf(' ');
  const method = space === -1 ? '' : key.slice(0, space);
  const path = space === -1 ? '' : key.slice(space + 1);
  if (!METHODS.has(method) || path.charCodeAt(0) !== 47 || path.indexOf(' ') !== -1) {
    throw new SchemaGuardOptionError(
      option,
      "a key like 'GET /users/:id': an upper-case method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS), one space, and a path starting with '/'",
    );
  }
  if (typeof spec !== 'object' || spec === null) {
    throw new SchemaGuardOptionError(
      option,
      'an object with optional body, response and errors schemas',
    );
  }
  for (const field of ['body', 'response'] as const) {
    if (spec[field] !== undefined && !isSchema(spec[field])) {
      throw new SchemaGuardOptionError(`${option}.${field}`, 'a Standard Schema (zod, valibot, …)');
    }
  }
  const errorShapes = new Map<number, Shape>();
  if (spec.errors !== undefined) {
    if (typeof spec.errors !== 'object' || spec.errors === null) {
      throw new SchemaGuardOptionError(`${option}.errors`, 'an object of status codes to schemas');
    }
    for (const status of Object.keys(spec.errors)) {
      const schema = spec.errors[Number(status)];
      const code = Number(status);
      if (!Number.isInteger(code) || code < 100 || code > 599 || !isSchema(schema)) {
        throw new SchemaGuardOptionError(
          `${option}.errors[${status}]`,
          'a Standard Schema under a status code from 100 to 599',
        );
      }
      errorShapes.set(code, shapeOf(schema));
    }
  }
  const parts = splitPath(path);
  if (parts === undefined) {
    throw new SchemaGuardOptionError(option, `a path of at most ${MAX_PATH_SEGMENTS} segments`);
  }
  const paramNames: string[] = [];
  let rank = '';
  const segments = parts.map((part) => {
    if (part.charCodeAt(0) === 58 && part.length > 1) {
      paramNames.push(part.slice(1));
      rank += '1';
      return null;
    }
    rank += '0';
    return part;
  });
  return {
    key,
    method,
    segments,
    paramNames,
    spec,
    bodyShape: spec.body ? shapeOf(spec.body) : undefined,
    responseShape: spec.response ? shapeOf(spec.response) : undefined,
    errorShapes,
    rank,
  };
}

/**
 * Defines and compiles a route table once: keys are `'METHOD /path/:param'`, values hold
 * the `body`, `response` and `errors` schemas (any Standard Schema). Throws
 * {@link SchemaGuardOptionError} for a malformed key or a value that is not a schema.
 *
 * @example
 * ```ts
 * import { defineRoutes } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const User = z.object({ id: z.number(), name: z.string() });
 * export const routes = defineRoutes({
 *   'GET /users/:id': { response: User },
 *   'POST /users': { body: User.omit({ id: true }), response: User, errors: { 409: z.object({ title: z.string() }) } },
 * });
 * ```
 */
export function defineRoutes<
  const T extends { readonly [K in keyof T]: K extends RouteKey ? RouteSpec : never },
>(table: T): Routes<T> {
  return new Routes(table);
}
