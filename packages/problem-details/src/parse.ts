import { isStatusCode, statusPhrase } from './status.js';

/** The `type` a problem has when its document names none (RFC 9457 §3.1.1). */
export const ABOUT_BLANK = 'about:blank';

/** The media type of a JSON problem details document (RFC 9457 §6.1). */
export const PROBLEM_JSON = 'application/problem+json';

/**
 * A problem's extension members: everything in the document beyond the five standard
 * members. Always an object without a prototype, and never holds `__proto__`,
 * `constructor` or `prototype` keys.
 */
export type ProblemExtensions = Record<string, unknown>;

/**
 * A parsed body: anything but a fetch `Response` (a `Response` is `never` here, so passing
 * one where a body is expected is a type error instead of an empty problem). Read a
 * `Response` with `ProblemDetailsError.fromResponse(response)`.
 *
 * @example
 * ```ts
 * import { parseProblemDetails } from '@brace/problem-details';
 *
 * parseProblemDetails(await response.json()); // fine
 * // parseProblemDetails(response); // type error: a Response is not a parsed body
 * ```
 */
export type ParsedBody<B> = B & (B extends Response ? never : unknown);

/**
 * A problem details object (RFC 9457 §3) as {@link parseProblemDetails} returns it: the
 * standard members typed and checked, the rest in `extensions`.
 *
 * @typeParam E - the extension members' type, as a {@link defineProblemType} schema gives it
 */
export interface ProblemDetails<E extends ProblemExtensions = ProblemExtensions> {
  /** The problem type, a URI reference; `'about:blank'` when the document named none. */
  type: string;
  /** A short summary of the problem type; for `about:blank`, defaults to the status phrase. */
  title?: string | undefined;
  /** The HTTP status code (advisory; from the document, or else the response's). */
  status?: number | undefined;
  /** A human-readable explanation of this occurrence. Show it; do not parse it. */
  detail?: string | undefined;
  /** A URI reference identifying this occurrence of the problem. */
  instance?: string | undefined;
  /** Every other member of the document (see {@link ProblemExtensions}). */
  extensions: E;
}

/** Options of {@link parseProblemDetails}. */
export interface ParseProblemDetailsOptions {
  /**
   * The HTTP status of the response that carried the document. Used when the document has
   * no valid `status` member, and for the default `title` of `about:blank` problems.
   */
  status?: number | undefined;
  /**
   * The URL relative `type` and `instance` references resolve against (normally the
   * response's URL), without its user info, query and fragment (they may hold credentials).
   * Without it, or when resolution fails, they are kept as given.
   */
  baseUrl?: string | URL | undefined;
}

/** A fresh extensions object with a `null` prototype: no key can reach a prototype. */
export function emptyExtensions(): ProblemExtensions {
  return Object.create(null) as ProblemExtensions;
}

/** Tells whether an object key is one that must never be copied from untrusted input. */
export function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** Whether a URI reference has a scheme (RFC 3986 §3.1), i.e. needs no resolution. */
function hasScheme(ref: string): boolean {
  const length = ref.length;
  for (let i = 0; i < length; i++) {
    const c = ref.charCodeAt(i);
    if (c === 58 /* : */) return i > 0;
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alpha) continue;
    const other = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46; // digit + - .
    if (!other || i === 0) return false;
  }
  return false;
}

/**
 * Whether a base URL can carry user info, a query or a fragment: each needs its delimiter
 * (`@`, `?` or `#`) in the text, so a base without any of them has nothing to strip.
 */
function mayCarrySecrets(href: string): boolean {
  return href.includes('@') || href.includes('?') || href.includes('#');
}

/**
 * The base without its user info, query and fragment: a `type` of `#quota` or an empty
 * `instance` must not copy the request's `?api_key=…` or credentials into the problem (and
 * the error message). A base with nothing to strip is returned as given (resolving against
 * it parses it the same way); `undefined` when there is no base or a stripped one is not a
 * URL.
 */
function safeBase(baseUrl: string | URL): string | undefined {
  const href = typeof baseUrl === 'string' ? baseUrl : baseUrl.href;
  if (!mayCarrySecrets(href)) return href;
  const url = URL.parse(href);
  if (url === null) return undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * Resolves a URI reference against the safe form of `baseUrl`; keeps it as given when that
 * is impossible. The base is only looked at when the reference is relative.
 */
function resolve(ref: string, baseUrl: string | URL | undefined): string {
  if (baseUrl === undefined || hasScheme(ref)) return ref;
  const base = safeBase(baseUrl);
  if (base === undefined) return ref;
  const url = URL.parse(ref, base);
  return url === null ? ref : url.href;
}

/**
 * Reads a problem details document (RFC 9457) from any parsed JSON value, exactly as the
 * RFC says a client must:
 *
 * - a standard member of the wrong JSON type is ignored as if absent (`status` must be an
 *   integer 100–599, the others strings);
 * - a missing `type` means `about:blank`, whose `title` defaults to the status phrase;
 * - relative `type` and `instance` references resolve against `baseUrl`;
 * - every other member is kept in `extensions`, a prototype-less object that never
 *   receives `__proto__`, `constructor` or `prototype`.
 *
 * Never throws: a value that is not an object reads as an empty document. Extension values
 * are the same references as in `value` (not copied). Passing a fetch `Response` is a type
 * error ({@link ParsedBody}): read it with `ProblemDetailsError.fromResponse(response)`.
 *
 * @param value - the parsed body, e.g. ky's `HTTPError.data` or `await response.json()`
 * @param options - the response's `status` and URL
 * @returns the problem, always with a `type`
 *
 * @example
 * ```ts
 * import { parseProblemDetails } from '@brace/problem-details';
 *
 * const problem = parseProblemDetails(await response.json(), {
 *   status: response.status,
 *   baseUrl: response.url,
 * });
 * if (problem.type === 'https://example.com/probs/out-of-credit') {
 *   console.log(problem.extensions.balance);
 * }
 * ```
 */
export function parseProblemDetails<B>(
  value: ParsedBody<B>,
  options?: ParseProblemDetailsOptions,
): ProblemDetails {
  let type: string | undefined;
  let title: string | undefined;
  let status: number | undefined;
  let detail: string | undefined;
  let instance: string | undefined;
  const extensions = emptyExtensions();
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const doc = value as Record<string, unknown>;
    const keys = Object.keys(doc);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const member = doc[key];
      switch (key) {
        case 'type':
          if (typeof member === 'string') type = member;
          break;
        case 'title':
          if (typeof member === 'string') title = member;
          break;
        case 'status':
          if (isStatusCode(member)) status = member;
          break;
        case 'detail':
          if (typeof member === 'string') detail = member;
          break;
        case 'instance':
          if (typeof member === 'string') instance = member;
          break;
        case '__proto__':
        case 'constructor':
        case 'prototype':
          break;
        default:
          extensions[key] = member;
      }
    }
  }
  const baseUrl = options?.baseUrl;
  if (status === undefined && isStatusCode(options?.status)) status = options?.status;
  if (type === undefined) type = ABOUT_BLANK;
  else type = resolve(type, baseUrl);
  if (instance !== undefined) instance = resolve(instance, baseUrl);
  if (title === undefined && type === ABOUT_BLANK && status !== undefined) {
    title = statusPhrase(status);
  }
  return { type, title, status, detail, instance, extensions };
}
