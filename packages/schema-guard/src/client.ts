import type { KyInstance, Options } from 'ky';
import { createSchemaGuard, type SchemaGuardOptions } from './engine.js';
import { UnmatchedRouteError } from './errors.js';
import { schemaGuardHooks } from './ky-hooks.js';
import {
  type RouteCallOptions,
  type RouteCallParts,
  type RouteResult,
  routeCaller,
} from './route-call.js';
import type { Routes } from './routes.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** One pattern segment as a type: `:param` becomes `string`. */
export type Segment<S extends string> = S extends `:${string}` ? string : S;
/** `'/users/:id'` → `` `/users/${string}` ``. */
export type Pattern<P extends string> = P extends `${infer Head}/${infer Rest}`
  ? `${Segment<Head>}/${Pattern<Rest>}`
  : Segment<P>;
/** The route keys of table `T` for method `M`. */
export type KeysOf<T, M extends string> = Extract<keyof T, `${M} /${string}`>;
/** The path part of a route key. */
export type PathOfKey<K> = K extends `${string} ${infer P}` ? P : never;
/** A path without its leading `/`. */
export type NoLead<P> = P extends `/${infer R}` ? R : P;
/** A path with a leading `/`. */
export type WithLead<P extends string> = P extends `/${string}` ? P : `/${P}`;
/** The path patterns of method `M`'s routes, as template literal types. */
export type PathsFor<T, M extends string> = { [K in KeysOf<T, M>]: Pattern<PathOfKey<K>> }[KeysOf<
  T,
  M
>];
/** The paths a method accepts: each route's pattern, with or without the leading `/`. */
export type PathArg<T, M extends string> = PathsFor<T, M> | NoLead<PathsFor<T, M>>;
/** Route keys whose path equals `P` exactly (no params). */
export type StaticHit<T, M extends string, P extends string> = {
  [K in KeysOf<T, M>]: PathOfKey<K> extends WithLead<P>
    ? WithLead<P> extends PathOfKey<K>
      ? K
      : never
    : never;
}[KeysOf<T, M>];
/** A path split into its `/`-separated segments. */
export type Split<P extends string> = P extends `${infer Head}/${infer Rest}`
  ? [Head, ...Split<Rest>]
  : [P];
/** Segment-by-segment match: a `:param` takes exactly one non-empty segment. */
export type SegmentsMatch<A extends string[], B extends string[]> = A extends [
  infer A0 extends string,
  ...infer AR extends string[],
]
  ? B extends [infer B0 extends string, ...infer BR extends string[]]
    ? B0 extends `:${string}`
      ? A0 extends ''
        ? false
        : SegmentsMatch<AR, BR>
      : A0 extends B0
        ? SegmentsMatch<AR, BR>
        : false
    : false
  : B extends []
    ? true
    : false;
/** Route keys whose pattern matches `P` segment by segment. */
export type PatternHit<T, M extends string, P extends string> = {
  [K in KeysOf<T, M>]: SegmentsMatch<Split<WithLead<P>>, Split<PathOfKey<K>>> extends true
    ? K
    : never;
}[KeysOf<T, M>];
/** The route key a path resolves to: a static route wins over a param route. */
export type RouteOf<T, M extends string, P extends string> = [StaticHit<T, M, P>] extends [never]
  ? PatternHit<T, M, P>
  : StaticHit<T, M, P>;
/**
 * `P` itself when it matches a route of method `M`, else `never`: a path that only fits a
 * pattern's template (`users/1/x/y` against `users/${string}`, or `users/` with an empty
 * `:id`) matches no route and is a type error.
 */
export type MatchedPath<T, M extends string, P extends string> = [RouteOf<T, M, P>] extends [never]
  ? never
  : P;
/** The validated output type of route `K` (`unknown` without a `response` schema). */
export type OutputOf<T, K> = K extends keyof T
  ? T[K] extends {
      /** The route's response schema. */
      response: infer S extends StandardSchemaV1;
    }
    ? StandardSchemaV1.InferOutput<S>
    : unknown
  : never;
/** The options argument of a call to route `K`: `json` is required and typed when it has a `body` schema. */
export type BodyArgs<T, K> = K extends keyof T
  ? T[K] extends {
      /** The route's request body schema. */
      body: infer S extends StandardSchemaV1;
    }
    ? [
        options: GuardCallOptions & {
          /** The request body, typed by the route's `body` schema (its input type). */
          json: StandardSchemaV1.InferInput<S>;
        },
      ]
    : [options?: GuardCallOptions]
  : [options?: GuardCallOptions];

/** ky options for one typed call (`method` is the call's, `json` is typed by the route). */
export type GuardCallOptions = Omit<Options, 'method' | 'json'>;

/**
 * A typed client over a route table: each method takes only paths of its routes (`:param`
 * segments accept exactly one non-empty segment) and resolves to the route's `response`
 * output type. A path that matches no route is a type error, and (should one get through a
 * cast) rejects with {@link UnmatchedRouteError} at run time without being sent.
 *
 * @example
 * ```ts
 * const api = guard(ky.create({ baseUrl: 'https://api.example.com/' }), routes);
 * const user = await api.get('/users/42'); // typed as the GET /users/:id response
 * await api.post('/users', { json: { name: 'Ada' } }); // body typed by the POST /users schema
 * ```
 */
export interface GuardedClient<T> {
  /** GET a path of a `GET` route; resolves to its validated response. */
  get<P extends PathArg<T, 'GET'>>(
    path: P & MatchedPath<T, 'GET', P>,
    options?: GuardCallOptions,
  ): Promise<OutputOf<T, RouteOf<T, 'GET', P>>>;
  /** POST to a path of a `POST` route; `json` is required when the route has a `body` schema. */
  post<P extends PathArg<T, 'POST'>>(
    path: P & MatchedPath<T, 'POST', P>,
    ...options: BodyArgs<T, RouteOf<T, 'POST', P>>
  ): Promise<OutputOf<T, RouteOf<T, 'POST', P>>>;
  /** PUT to a path of a `PUT` route. */
  put<P extends PathArg<T, 'PUT'>>(
    path: P & MatchedPath<T, 'PUT', P>,
    ...options: BodyArgs<T, RouteOf<T, 'PUT', P>>
  ): Promise<OutputOf<T, RouteOf<T, 'PUT', P>>>;
  /** PATCH a path of a `PATCH` route. */
  patch<P extends PathArg<T, 'PATCH'>>(
    path: P & MatchedPath<T, 'PATCH', P>,
    ...options: BodyArgs<T, RouteOf<T, 'PATCH', P>>
  ): Promise<OutputOf<T, RouteOf<T, 'PATCH', P>>>;
  /**
   * Calls route `key` (`'GET /users/:id'`): `params` fill the path, `query` and `headers` are
   * typed and validated by the route's schemas, `json` by its `body` schema; resolves
   * `{ ok, status, data }`, discriminated by `status` over the 2xx answer and the route's
   * declared `errors` statuses (other statuses reject with ky's `HTTPError`).
   */
  route<K extends keyof T & string>(
    key: K,
    ...options: Record<string, never> extends RouteCallParts<T, K>
      ? [options?: RouteCallOptions<T, K>]
      : [options: RouteCallOptions<T, K>]
  ): Promise<RouteResult<T, K>>;
  /** DELETE a path of a `DELETE` route. */
  delete<P extends PathArg<T, 'DELETE'>>(
    path: P & MatchedPath<T, 'DELETE', P>,
    ...options: BodyArgs<T, RouteOf<T, 'DELETE', P>>
  ): Promise<OutputOf<T, RouteOf<T, 'DELETE', P>>>;
}

/**
 * Wraps a ky instance in a {@link GuardedClient} for a route table: it extends `api` with
 * {@link schemaGuardHooks}`(routes, options)` (so do not add those hooks to `api` yourself)
 * and reads each response with `.json()`, i.e. validated. Paths are checked at compile
 * time against the table, and again at run time (a path no route matches rejects with
 * {@link UnmatchedRouteError}, code `SCHEMA_GUARD_ROUTE_UNMATCHED`, and is not sent); results are typed by each route's `response` schema (in `warn`
 * mode an invalid body is returned as it came, so the type is then a promise, not a fact).
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { defineRoutes } from '@brace/schema-guard';
 * import { guard } from '@brace/schema-guard/ky';
 * import { z } from 'zod';
 *
 * const User = z.object({ id: z.number(), name: z.string() });
 * const routes = defineRoutes({
 *   'GET /users/:id': { response: User },
 *   'POST /users': { body: User.omit({ id: true }), response: User },
 * });
 * const api = guard(ky.create({ baseUrl: 'https://api.example.com/' }), routes);
 * const user = await api.get('/users/42'); // { id: number; name: string }
 * // api.get('/teams/1'); // type error: no such route
 * ```
 */
export function guard<T>(
  api: KyInstance,
  routes: Routes<T>,
  options: SchemaGuardOptions = {},
): GuardedClient<T> {
  const client = api.extend({ hooks: schemaGuardHooks(routes, options) });
  const route = routeCaller(
    client,
    routes,
    createSchemaGuard(routes, options),
    options.includeValues === true,
  );
  const call =
    (method: 'get' | 'post' | 'put' | 'patch' | 'delete') =>
    (path: string, callOptions?: Options): Promise<unknown> => {
      const end = path.search(/[?#]/);
      const bare = end === -1 ? path : path.slice(0, end);
      if (routes.match(method, bare) === undefined) {
        return Promise.reject(new UnmatchedRouteError(method.toUpperCase(), bare, 'client'));
      }
      return client(path, { ...callOptions, method }).json();
    };
  return {
    get: call('get'),
    post: call('post'),
    put: call('put'),
    patch: call('patch'),
    delete: call('delete'),
    route,
  } as unknown as GuardedClient<T>;
}
