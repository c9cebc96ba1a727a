import {
  emptyExtensions,
  type ParsedBody,
  type ParseProblemDetailsOptions,
  PROBLEM_JSON,
  type ProblemDetails,
  parseProblemDetails,
} from './parse.js';

/**
 * The media type of a `Content-Type` value, lower-cased, without parameters
 * (`'Application/Problem+JSON; charset=utf-8'` → `'application/problem+json'`).
 */
export function mediaType(contentType: string | null | undefined): string {
  if (!contentType) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** Tells whether a `Content-Type` value is `application/problem+json`. */
export function isProblemJson(contentType: string | null | undefined): boolean {
  return mediaType(contentType) === PROBLEM_JSON;
}

type Doc = Record<string, unknown>;

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) return true;
  }
  return false;
}

function copyString(from: Doc, key: string, to: Doc, as: string): void {
  const value = from[key];
  if (typeof value === 'string') to[as] = value;
}

function copyCode(from: Doc, to: Doc): void {
  const code = from.code;
  if (typeof code === 'string' || typeof code === 'number') to.code = code;
}

function isEmpty(doc: Doc): boolean {
  for (const _ in doc) return false;
  return true;
}

/** The first element of `list` when it is an object. */
function firstObject(list: unknown[]): Doc | undefined {
  const first = list[0];
  return isObject(first) ? first : undefined;
}

/**
 * JSON:API (`{ errors: [{ status, code, title, detail, source }] }`) and GraphQL
 * (`{ errors: [{ message, locations, path, extensions: { code } }], data }`): the first
 * error's text is the detail, the list is kept as `errors`.
 */
function readErrorList(errors: unknown[], extensions: Doc): string | undefined {
  const first = firstObject(errors);
  if (first === undefined) return undefined;
  if (typeof first.message === 'string') {
    // GraphQL (the code in `extensions`), Cloudflare-like `{ success: false, errors: [{ code, message }] }`
    extensions.errors = errors;
    const inner = first.extensions;
    copyCode(isObject(inner) ? inner : first, extensions);
    return first.message;
  }
  if (typeof first.detail === 'string' || typeof first.title === 'string') {
    // JSON:API
    extensions.errors = errors;
    copyCode(first, extensions);
    return typeof first.detail === 'string' ? first.detail : (first.title as string);
  }
  return undefined;
}

/** Reads the detail and extensions of a known non-standard error body, or nothing. */
function readKnownShape(body: Doc, extensions: Doc): string | undefined {
  const error = body.error;
  // Google APIs (AIP-193): { error: { code, message, status, details } }
  if (isObject(error) && typeof error.status === 'string') {
    extensions.code = error.status;
    if (Array.isArray(error.details)) extensions.details = error.details;
    return typeof error.message === 'string' ? error.message : undefined;
  }
  // Stripe-like: { error: { message, type, code, param } }
  if (isObject(error)) {
    copyCode(error, extensions);
    copyString(error, 'type', extensions, 'errorType');
    copyString(error, 'param', extensions, 'param');
    return typeof error.message === 'string' ? error.message : undefined;
  }
  // OAuth 2 (RFC 6749 §5.2): { error, error_description, error_uri }; or { error: 'text' }
  if (typeof error === 'string') {
    const description = body.error_description;
    copyString(body, 'error_uri', extensions, 'errorUri');
    if (typeof description === 'string') {
      extensions.code = error;
      return description;
    }
    if (!hasWhitespace(error)) extensions.code = error;
    return error;
  }
  // AWS JSON protocols: { __type: 'namespace#ErrorName', message | Message }
  if (typeof body.__type === 'string') {
    const name = body.__type;
    // As the AWS SDKs sanitise it: anything from the first `:` on (a URL some services
    // append) is dropped, then the namespace up to `#`.
    const colon = name.indexOf(':');
    const bare = colon === -1 ? name : name.slice(0, colon);
    extensions.code = bare.slice(bare.indexOf('#') + 1);
    extensions.awsType = name;
    const message = body.message ?? body.Message;
    return typeof message === 'string' ? message : undefined;
  }
  // { success: false, message }, GitHub-like { message, errors, documentation_url } and
  // Twilio { code, message, more_info, status }
  if (typeof body.message === 'string') {
    copyCode(body, extensions);
    if (Array.isArray(body.errors)) extensions.errors = body.errors;
    copyString(body, 'documentation_url', extensions, 'documentationUrl');
    copyString(body, 'more_info', extensions, 'moreInfo');
    return body.message;
  }
  if (Array.isArray(body.errors)) {
    const detail = readErrorList(body.errors, extensions);
    if (detail !== undefined) return detail;
  }
  if (body.success === false && Array.isArray(body.errors)) extensions.errors = body.errors;
  return undefined;
}

/**
 * Turns any error body into problem details. A body that already has a `title` or `detail`
 * string is read by {@link parseProblemDetails}, and so is one with a `type` string that
 * matches none of the shapes below (a body like `{ type: 'error', error: { message } }` is
 * such a shape, its `type` a tag rather than a problem type URI). Common non-standard
 * shapes are mapped, keeping only what is known:
 *
 * | body | `detail` | extensions |
 * |---|---|---|
 * | `{ error: { message, type, code, param } }` (Stripe-like) | `message` | `code`, `errorType`, `param` |
 * | `{ error, error_description, error_uri }` (OAuth 2) | `error_description` | `code`, `errorUri` |
 * | `{ success: false, message, errors? }` | `message` | `code`, `errors` |
 * | `{ success: false, errors: [{ code, message }] }` (Cloudflare-like) | the first `message` | `code` of the first, `errors` |
 * | `{ message, errors, documentation_url }` (GitHub-like) | `message` | `code`, `errors`, `documentationUrl` |
 * | `{ error: { code, message, status, details } }` (Google APIs, AIP-193) | `message` | `code` (the `status`, e.g. `RESOURCE_EXHAUSTED`), `details` |
 * | `{ __type: 'ns#Name', message }` or `Message` (AWS JSON protocols) | `message` | `code` (`Name`), `awsType` |
 * | `{ code, message, more_info, status }` (Twilio) | `message` | `code`, `moreInfo` |
 * | `{ errors: [{ status, code, title, detail, source }] }` (JSON:API) | the first `detail` (or `title`) | `code` of the first, `errors` |
 * | `{ errors: [{ message, locations, path, extensions }], data }` (GraphQL) | the first `message` | `extensions.code` of the first, `errors` |
 *
 * Everything else (text, HTML, empty, unknown JSON) becomes `about:blank` with the status
 * phrase as title. Never throws. Passing a fetch `Response` is a type error
 * (`ParsedBody`): use `ProblemDetailsError.fromResponse(response)`.
 *
 * @param body - the parsed body (JSON value, text, or `undefined`)
 * @param options - the response's `status` and URL
 * @returns the problem
 *
 * @example
 * ```ts
 * import { normalizeProblem } from '@brace/problem-details';
 *
 * normalizeProblem({ error: 'invalid_grant', error_description: 'Code expired' }, { status: 400 });
 * // { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Code expired',
 * //   extensions: { code: 'invalid_grant' } }
 * ```
 */
export function normalizeProblem<B>(
  body: ParsedBody<B>,
  options?: ParseProblemDetailsOptions,
): ProblemDetails {
  if (!isObject(body)) return parseProblemDetails(undefined, options);
  if (typeof body.title === 'string' || typeof body.detail === 'string') {
    return parseProblemDetails(body, options);
  }
  const extensions = emptyExtensions();
  const detail = readKnownShape(body, extensions);
  // A `type` alone reads as problem details only when no known shape holds the message:
  // `{ type: 'error', error: { message } }` is a tagged error body, not a problem type.
  if (typeof body.type === 'string' && detail === undefined && isEmpty(extensions)) {
    return parseProblemDetails(body, options);
  }
  const problem = parseProblemDetails(undefined, options);
  problem.detail = detail;
  problem.extensions = extensions;
  return problem;
}
