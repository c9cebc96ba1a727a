import type { KyInstance, Options } from 'ky';
import type { SchemaGuard } from './engine.js';
import { RequestSchemaError } from './errors.js';
import type { Routes } from './routes.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { sanitizeIssues } from './validate.js';

/** `'/users/:id/posts/:postId'` → `'id' | 'postId'`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The `params` object of a path pattern: one string or number per `:param`. */
export type ParamsOf<P extends string> = { [N in ParamNames<P>]: string | number };

/** The spec of route `K` in table `T`. */
export type SpecOf<T, K> = K extends keyof T ? T[K] : never;
/** The path pattern of a route key: `'GET /users/:id'` → `'/users/:id'`. */
export type PathOf<K> = K extends `${string} ${infer P}` ? P : never;
/** The input type of a schema. */
export type InputOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : never;
/** The output type of a schema (`unknown` without one). */
export type OutputOfSchema<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : unknown;

/** The typed parts of a route call: `params`, `query`, `headers` and `json`, each required when the route has it. */
export type RouteCallParts<T, K> = ([ParamNames<PathOf<K>>] extends [never]
  ? {
      /** No path parameters on this route. */
      params?: undefined;
    }
  : {
      /** The path parameters, by name. */
      params: ParamsOf<PathOf<K>>;
    }) &
  (SpecOf<T, K> extends {
    /** The route's query schema. */
    query: infer S extends StandardSchemaV1;
  }
    ? {
        /** The query, typed and validated by the route's `query` schema before sending. */
        query: InputOf<S>;
      }
    : {
        /** No query schema on this route. */
        query?: undefined;
      }) &
  (SpecOf<T, K> extends {
    /** The route's headers schema. */
    headers: infer S extends StandardSchemaV1;
  }
    ? {
        /** The headers, typed and validated by the route's `headers` schema before sending. */
        headers: InputOf<S>;
      }
    : {
        /** No headers schema on this route. */
        headers?: undefined;
      }) &
  (SpecOf<T, K> extends {
    /** The route's body schema. */
    body: infer S extends StandardSchemaV1;
  }
    ? {
        /** The JSON body, typed by the route's `body` schema. */
        json: InputOf<S>;
      }
    : {
        /** No body schema on this route. */
        json?: undefined;
      });

/** Options of a route call: the typed parts plus ky options (not `method`, `json`, `searchParams`, `headers`). */
export type RouteCallOptions<T, K> = RouteCallParts<T, K> &
  Omit<Options, 'method' | 'json' | 'searchParams' | 'headers' | 'throwHttpErrors'>;

/** The declared `errors` of route `K` (status → schema), or none. */
export type ErrorsOf<T, K> =
  SpecOf<T, K> extends {
    /** Error bodies by status. */
    errors: infer E;
  }
    ? E
    : Record<never, never>;

/**
 * The result of a route call, discriminated by `status`: `ok: true` with the 2xx `response`
 * output, or `ok: false` with one declared error status and its `errors[status]` output.
 * Statuses the route does not declare reject with ky's `HTTPError`, as usual.
 */
export type RouteResult<T, K> =
  | {
      /** A 2xx answer. */
      ok: true;
      /** The 2xx status. */
      status: number;
      /** The validated `response` output. */
      data: OutputOfSchema<
        SpecOf<T, K> extends {
          /** The route's 2xx response schema. */
          response: infer S;
        }
          ? S
          : undefined
      >;
    }
  | {
      [S in keyof ErrorsOf<T, K> & number]: {
        /** A declared error answer. */
        ok: false;
        /** The declared status. */
        status: S;
        /** The body, read with the route's `errors[status]` schema. */
        data: OutputOfSchema<ErrorsOf<T, K>[S]>;
      };
    }[keyof ErrorsOf<T, K> & number];

function fill(pattern: string, params: Record<string, unknown> | undefined, key: string): string {
  const segments = pattern.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (!segment.startsWith(':')) continue;
    const name = segment.slice(1);
    const value = params?.[name];
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') {
      throw new RequestSchemaError([{ message: 'is required', path: ['params', name] }], key);
    }
    // encodeURIComponent keeps dots, and URLs resolve a `.` or `..` segment (even `%2E%2E`):
    // `users/../admin` would leave the route for another endpoint of the API.
    if (value === '.' || value === '..') {
      throw new RequestSchemaError(
        [{ message: 'must not be "." or ".."', path: ['params', name] }],
        key,
      );
    }
    segments[i] = encodeURIComponent(String(value));
  }
  return segments.join('/').replace(/^\/+/, '');
}

async function checked(
  schema: StandardSchemaV1 | undefined,
  value: unknown,
  part: 'query' | 'headers',
  key: string,
  includeValues: boolean,
): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return result.value;
  const issues = sanitizeIssues(result.issues, schema['~standard'].vendor, includeValues).map(
    (issue) => ({ message: issue.message, path: [part, ...issue.path] }),
  );
  throw new RequestSchemaError(issues, key);
}

/**
 * Makes the `route(key, options)` method of the typed client: fills the path from `params`,
 * validates `query` and `headers` against the route's schemas (a failure throws
 * `RequestSchemaError`, nothing is sent), sends through `client` (whose hooks validate the
 * body), and resolves a status-discriminated result.
 */
export function routeCaller<T>(
  client: KyInstance,
  routes: Routes<T>,
  guard: SchemaGuard,
  includeValues: boolean,
) {
  return async (key: string, options: Record<string, unknown> = {}): Promise<unknown> => {
    const space = key.indexOf(' ');
    const method = key.slice(0, space);
    const pattern = key.slice(space + 1);
    const spec = (
      routes.table as Record<
        string,
        | { query?: StandardSchemaV1; headers?: StandardSchemaV1; errors?: Record<number, unknown> }
        | undefined
      >
    )[key];
    if (spec === undefined) {
      throw new RequestSchemaError([{ message: 'is not a route of the table', path: [] }], key);
    }
    const { params, query, headers, ...rest } = options;
    const path = fill(pattern, params as Record<string, unknown> | undefined, key);
    const searchParams = await checked(spec.query, query, 'query', key, includeValues);
    const sentHeaders = await checked(spec.headers, headers, 'headers', key, includeValues);
    const declared = spec.errors ?? {};
    const response = await client(path, {
      ...rest,
      method,
      ...(searchParams === undefined
        ? {}
        : { searchParams: searchParams as Options['searchParams'] }),
      ...(sentHeaders === undefined ? {} : { headers: sentHeaders as Options['headers'] }),
      throwHttpErrors: (status) => !(status in declared),
    });
    const match = routes.match(method, `/${path}`);
    const text = await response.text();
    const data =
      match === undefined || text === ''
        ? undefined
        : await guard.checkResponse(match, response.status, text);
    return { ok: response.ok, status: response.status, data };
  };
}
