import { BraceError, safeCause } from '@brace/core';
import { isProblemJson, normalizeProblem } from './normalize.js';
import {
  ABOUT_BLANK,
  type ProblemDetails,
  type ProblemExtensions,
  parseProblemDetails,
} from './parse.js';
import { statusPhrase } from './status.js';

/** The longest body `fromResponse` parses, in UTF-16 code units: 1 MiB. */
const MAX_BODY_LENGTH = 1_048_576;

/** The longest title, detail or type a {@link ProblemDetailsError} message quotes. */
const MESSAGE_PART_LIMIT = 200;

/** The response a {@link ProblemDetailsError} came from (a Fetch `Response` fits). */
export interface ProblemResponseLike {
  /** The HTTP status code. */
  status: number;
  /** The response headers. */
  headers: Headers;
}

/** The request a {@link ProblemDetailsError} answered (a Fetch `Request` fits). */
export interface ProblemRequestLike {
  /** The HTTP method. */
  method: string;
  /** The request URL. */
  url: string;
}

/** Options of the {@link ProblemDetailsError} constructor. */
export interface ProblemDetailsErrorOptions {
  /** The response that carried the problem: its status and headers are kept. */
  response?: ProblemResponseLike | undefined;
  /** The request that failed: its method and URL (without credentials or query) are kept. */
  request?: ProblemRequestLike | undefined;
  /**
   * The underlying error, e.g. ky's `HTTPError`. Kept as a `SafeCause` (from `@brace/core`):
   * its name, code and message with URL queries and user info removed, never its request
   * (URL query, `Authorization`), response or body.
   */
  cause?: unknown;
}

/** Replaces control characters and shortens a value quoted in a log line. */
function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > MESSAGE_PART_LIMIT ? `${flat.slice(0, MESSAGE_PART_LIMIT)}…` : flat;
}

function describe(problem: ProblemDetails, responseStatus: number | undefined): string {
  const status = problem.status ?? responseStatus;
  const title = problem.title === undefined ? undefined : clip(problem.title);
  let text =
    status === undefined
      ? (title ?? 'Problem')
      : `${status} ${title ?? statusPhrase(status) ?? 'Problem'}`;
  if (problem.detail !== undefined && problem.detail !== '') text += `: ${clip(problem.detail)}`;
  if (problem.type !== ABOUT_BLANK) text += ` [${clip(problem.type)}]`;
  return text;
}

/** The URL without user info, query or fragment: those may hold credentials. */
function safeUrl(raw: string): string | undefined {
  const url = URL.parse(raw);
  if (url === null) return undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * An HTTP API answered with a problem (RFC 9457). Carries the problem's members, the
 * response's status and headers, the request's method and URL, and the original error as
 * `cause`, reduced to a `SafeCause` (name, code, scrubbed message: never the request's
 * query string or `Authorization` header). Its message reads well in a log line:
 * `429 Too Many Requests: You have exceeded your quota [https://example.com/probs/quota]`
 * (status, title or else the status phrase, detail, and the type unless `about:blank`).
 *
 * Switch on `type`, not on `detail` or the message: the detail is for humans.
 *
 * @typeParam E - the extension members' type (see {@link isProblem})
 *
 * @example
 * ```ts
 * import { ProblemDetailsError } from '@brace/problem-details';
 *
 * try {
 *   await api.post('purchase', { json: order });
 * } catch (error) {
 *   if (error instanceof ProblemDetailsError && error.type.endsWith('/out-of-credit')) {
 *     showTopUp(error.extensions.balance);
 *   } else throw error;
 * }
 * ```
 */
export class ProblemDetailsError<
  E extends ProblemExtensions = ProblemExtensions,
> extends BraceError {
  /** The problem type URI; `'about:blank'` when the server named none. */
  readonly type: string;
  /** A short summary of the problem type. */
  readonly title: string | undefined;
  /** The status code the problem document states (advisory), else the response's. */
  readonly status: number | undefined;
  /** A human-readable explanation of this occurrence. */
  readonly detail: string | undefined;
  /** A URI reference identifying this occurrence. */
  readonly instance: string | undefined;
  /** The problem's extension members (null-prototype object). */
  readonly extensions: E;
  /** The HTTP status of the response itself. */
  readonly responseStatus: number | undefined;
  /** The response headers (e.g. for `Retry-After`). */
  readonly headers: Headers | undefined;
  /** The request's method. */
  readonly method: string | undefined;
  /** The request's URL without user info, query string or fragment. */
  readonly url: string | undefined;

  /**
   * @param problem - the parsed problem, see {@link parseProblemDetails}
   * @param options - the response, the request and the cause
   */
  constructor(problem: ProblemDetails<E>, options?: ProblemDetailsErrorOptions) {
    const responseStatus = options?.response?.status;
    super(
      'PROBLEM_DETAILS',
      describe(problem, responseStatus),
      options && 'cause' in options ? { cause: safeCause(options.cause) } : undefined,
    );
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status ?? responseStatus;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.extensions = problem.extensions;
    this.responseStatus = responseStatus;
    this.headers = options?.response?.headers;
    this.method = options?.request?.method;
    this.url = options?.request === undefined ? undefined : safeUrl(options.request.url);
  }

  /**
   * Reads a failed fetch `Response` into a {@link ProblemDetailsError}: an
   * `application/problem+json` body is parsed as problem details (relative references
   * against `response.url`), any other body is normalised (`normalizeProblem`: Stripe,
   * OAuth, Google, AWS, JSON:API, GraphQL … shapes; text and HTML become `about:blank`)
   * unless `normalize: false`. Bodies over 1 MiB are not parsed. The body is consumed.
   *
   * @param response - the response (any status; usually `!response.ok`)
   * @param options - `request` (its method and URL are kept, without credentials or query),
   *   `normalize` (default `true`)
   * @returns the error, to throw
   *
   * @example
   * ```ts
   * import { ProblemDetailsError } from '@brace/problem-details';
   *
   * const response = await fetch('https://api.example.com/purchase', { method: 'POST', body: '{"item":1}' });
   * if (!response.ok) throw await ProblemDetailsError.fromResponse(response);
   * ```
   */
  static async fromResponse(
    response: Response,
    options?: { request?: ProblemRequestLike | undefined; normalize?: boolean | undefined },
  ): Promise<ProblemDetailsError> {
    const status = response.status;
    const baseUrl = response.url || undefined;
    const contentType = response.headers.get('content-type');
    let data: unknown;
    try {
      const text = await response.text();
      if (text.length <= MAX_BODY_LENGTH) data = JSON.parse(text);
    } catch {
      // Not JSON (text, HTML) or unreadable: nothing of it is kept.
    }
    const parseOptions = { status, ...(baseUrl === undefined ? {} : { baseUrl }) };
    const problem = isProblemJson(contentType)
      ? parseProblemDetails(data, parseOptions)
      : options?.normalize === false
        ? parseProblemDetails(undefined, parseOptions)
        : normalizeProblem(data, parseOptions);
    return new ProblemDetailsError(problem, { response, request: options?.request });
  }

  /**
   * The problem as a {@link ProblemDetails} object, e.g. to pass on to `problem()`.
   *
   * @example
   * ```ts
   * import { problem, type ProblemDetailsError } from '@brace/problem-details';
   *
   * const relay = (error: ProblemDetailsError) => problem(error.toProblem()); // an upstream problem
   * ```
   */
  toProblem(): ProblemDetails<E> {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      instance: this.instance,
      extensions: this.extensions,
    };
  }
}

/**
 * An option or argument is out of its accepted range (e.g. `problem({ status: 200 })`), or
 * a problem type's extensions schema validated asynchronously where only a synchronous
 * answer can be used. Fix the call; retrying will not help.
 *
 * @example
 * ```ts
 * import { InvalidProblemOptionError, problem } from '@brace/problem-details';
 *
 * try {
 *   problem({ status: 200 });
 * } catch (error) {
 *   if (error instanceof InvalidProblemOptionError) console.log(error.option); // 'status'
 * }
 * ```
 */
export class InvalidProblemOptionError extends BraceError {
  /** The option or argument at fault. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param accepted - what it accepts, e.g. `'an integer from 400 to 599'`
   * @param received - the value received (only its type and, for numbers, value are shown)
   */
  constructor(option: string, accepted: string, received: unknown) {
    const shown = typeof received === 'number' ? String(received) : typeof received;
    super(
      'PROBLEM_DETAILS_INVALID_OPTION',
      `Invalid \`${option}\`: expected ${accepted}, received ${shown}. Pass a value in range.`,
    );
    this.option = option;
  }
}
