import { BraceError } from '@brace/core';

/**
 * One validation problem, copied from the schema library's issue: only its `message` and
 * its `path` (object keys and array indices), never the library's extra fields (some carry
 * the offending input value).
 *
 * @example
 * ```ts
 * import type { SchemaIssue } from '@brace/schema-guard';
 *
 * const issue: SchemaIssue = { message: 'Invalid input: expected string', path: ['user', 'email'] };
 * ```
 */
export interface SchemaIssue {
  /** The schema library's description of the problem. */
  readonly message: string;
  /** Where the problem is: object keys and array indices, outermost first. */
  readonly path: ReadonlyArray<string | number>;
}

function where(issues: ReadonlyArray<SchemaIssue>): string {
  const shown = issues.slice(0, 5).map((issue) => formatIssuePath(issue.path));
  const more = issues.length > 5 ? ` and ${issues.length - 5} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** Formats an issue path as `$.a.b[0]` (keys that are not identifiers in brackets). */
export function formatIssuePath(path: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const key of path) out += formatKey(key);
  return out;
}

/** One JSON path step: `.name`, `[0]` or `["odd key"]`. */
export function formatKey(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return isIdentifier(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function isIdentifier(key: string): boolean {
  if (key.length === 0 || key.length > 64) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/**
 * A request body did not match its route's `body` schema, so the request was not sent:
 * the body never left the process. Fix the caller (or the schema).
 *
 * @example
 * ```ts
 * import { RequestSchemaError } from '@brace/schema-guard';
 *
 * try {
 *   await api.post('users', { json: { name: 42 } });
 * } catch (error) {
 *   if (error instanceof RequestSchemaError) console.log(error.route, error.issues);
 * }
 * ```
 */
export class RequestSchemaError extends BraceError {
  /** What is wrong with the body (messages and paths, no values). */
  readonly issues: ReadonlyArray<SchemaIssue>;
  /** The route key that matched, e.g. `'POST /users'`; undefined for {@link validateBody} without a label. */
  readonly route: string | undefined;

  /**
   * @param issues - the validation issues
   * @param route - the matched route key, if any
   * @param options - `cause`, the underlying error
   */
  constructor(issues: ReadonlyArray<SchemaIssue>, route?: string, options?: { cause?: unknown }) {
    super(
      'SCHEMA_GUARD_REQUEST_INVALID',
      `The request body${route ? ` for ${route}` : ''} does not match its schema (${issues.length} issue${issues.length === 1 ? '' : 's'} at ${where(issues)}); it was not sent. Fix the body or the schema.`,
      options,
    );
    this.issues = issues;
    this.route = route;
  }
}

/**
 * A response body did not match its route's schema (in `mode: 'throw'`). The raw body is
 * attached only when `includeBody: true` was set, because bodies can carry secrets.
 *
 * @example
 * ```ts
 * import { ResponseSchemaError } from '@brace/schema-guard';
 *
 * try {
 *   await api.get('users/1').json();
 * } catch (error) {
 *   if (error instanceof ResponseSchemaError) console.log(error.route, error.status, error.issues);
 * }
 * ```
 */
export class ResponseSchemaError extends BraceError {
  /** What is wrong with the body (messages and paths, no values). */
  readonly issues: ReadonlyArray<SchemaIssue>;
  /** The route key that matched, e.g. `'GET /users/:id'`; undefined for an unlabelled {@link validateResponse}. */
  readonly route: string | undefined;
  /** The HTTP status of the response. */
  readonly status: number;
  /** The raw response text, only with `includeBody: true`. */
  readonly body?: string;

  /**
   * @param issues - the validation issues
   * @param route - the matched route key, if any
   * @param status - the response status
   * @param body - the raw body text; pass it only when the user opted in
   */
  constructor(
    issues: ReadonlyArray<SchemaIssue>,
    route: string | undefined,
    status: number,
    body?: string,
  ) {
    super(
      'SCHEMA_GUARD_RESPONSE_INVALID',
      `The response${route ? ` to ${route}` : ''} (status ${status}) does not match its schema (${issues.length} issue${issues.length === 1 ? '' : 's'} at ${where(issues)}). The API has drifted: update the schema, or use mode 'warn' to pass it through while you do.`,
    );
    this.issues = issues;
    this.route = route;
    this.status = status;
    if (body !== undefined) this.body = body;
  }
}

/**
 * Under `strict: true`, or through the typed client of `guard()`, a request matched no route
 * in the table, so it was not sent.
 *
 * @example
 * ```ts
 * import { UnmatchedRouteError } from '@brace/schema-guard';
 *
 * try {
 *   await api.get('not-in-the-table');
 * } catch (error) {
 *   if (error instanceof UnmatchedRouteError) console.log(error.method, error.path);
 * }
 * ```
 */
export class UnmatchedRouteError extends BraceError {
  /** The request method, upper case. */
  readonly method: string;
  /** The path that was matched against the table (relative to the base URL, no query string). */
  readonly path: string;

  /**
   * @param method - the request method
   * @param path - the relative path, without the query string
   * @param by - who refused it: `strict` hooks, or the typed `client` of `guard()`
   */
  constructor(method: string, path: string, by: 'strict' | 'client' = 'strict') {
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    super(
      'SCHEMA_GUARD_ROUTE_UNMATCHED',
      by === 'strict'
        ? `No route matches ${method} ${shown} and strict is on; the request was not sent. Add the route to defineRoutes() or turn strict off.`
        : `No route of the typed client matches ${method} ${shown}; the request was not sent. Call a path of a route in defineRoutes() (a :param takes exactly one non-empty segment).`,
    );
    this.method = method;
    this.path = path;
  }
}

/**
 * An option or a route definition is invalid. Thrown at construction, naming the option and
 * what it accepts.
 *
 * @example
 * ```ts
 * import { defineRoutes, SchemaGuardOptionError } from '@brace/schema-guard';
 *
 * try {
 *   defineRoutes({ 'FETCH users': {} } as never);
 * } catch (error) {
 *   if (error instanceof SchemaGuardOptionError) console.log(error.option);
 * }
 * ```
 */
export class SchemaGuardOptionError extends BraceError {
  /** The offending option, e.g. `driftWindowMs` or `routes["FETCH users"]`. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - what it accepts
   */
  constructor(option: string, expected: string) {
    super('SCHEMA_GUARD_INVALID_OPTION', `Option \`${option}\` must be ${expected}.`);
    this.option = option;
  }
}
