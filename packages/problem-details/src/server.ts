import { isBraceError } from '@brace/core';
import { errorHeaders } from './error-headers.js';
import { InvalidProblemOptionError, type ProblemDetailsError } from './errors.js';
import {
  ABOUT_BLANK,
  emptyExtensions,
  isUnsafeKey,
  PROBLEM_JSON,
  type ProblemDetails,
  type ProblemExtensions,
} from './parse.js';
import {
  DEFAULT_POINTER_STYLE,
  type PointerStyle,
  type ValidationErrorItem,
  validationErrors,
} from './pointer.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { isStatusCode, statusPhrase } from './status.js';

/** The status `problem()` uses when none is given. */
export const DEFAULT_PROBLEM_STATUS = 500;

/** The status a thrown validation error (one with an `issues` array) becomes. */
export const DEFAULT_VALIDATION_STATUS = 422;

/** Whether 5xx error messages reach the client unless told otherwise: never. */
export const DEFAULT_EXPOSE = false;

/** Anything `new Headers()` accepts: a `Headers`, a record, or `[name, value]` pairs. */
export type ProblemHeadersInit = ConstructorParameters<typeof Headers>[0];

/** What `problem()` needs: every member optional; extensions are written beside them. */
export interface ProblemInit<E extends ProblemExtensions = ProblemExtensions> {
  /** The problem type URI; omitted means `about:blank`. */
  type?: string | undefined;
  /** A short summary; for `about:blank` it defaults to the status phrase. */
  title?: string | undefined;
  /** The HTTP status, 400–599; {@link DEFAULT_PROBLEM_STATUS} when omitted. */
  status?: number | undefined;
  /** A human-readable explanation of this occurrence. */
  detail?: string | undefined;
  /** A URI reference identifying this occurrence. */
  instance?: string | undefined;
  /** Extension members; names that clash with the standard members or `__proto__` are dropped. */
  extensions?: E | undefined;
}

const STANDARD = new Set(['type', 'title', 'status', 'detail', 'instance']);

function checkStatus(status: number): void {
  if (!isStatusCode(status) || status < 400) {
    throw new InvalidProblemOptionError('status', 'an integer from 400 to 599', status);
  }
}

/**
 * The JSON document of a problem, as a prototype-less object with the standard members
 * first and the extensions after them. `problem()` serialises this.
 *
 * @param init - the problem
 * @returns the document, ready for `JSON.stringify`
 *
 * @example
 * ```ts
 * import { problemDocument } from '@brace/problem-details';
 *
 * res.status(404).type('application/problem+json').json(problemDocument({ status: 404 }));
 * ```
 */
export function problemDocument(init: ProblemInit): Record<string, unknown> {
  const status = init.status ?? DEFAULT_PROBLEM_STATUS;
  checkStatus(status);
  const type = init.type ?? ABOUT_BLANK;
  const doc = emptyExtensions();
  doc.type = type;
  const title = init.title ?? (type === ABOUT_BLANK ? statusPhrase(status) : undefined);
  if (title !== undefined) doc.title = title;
  doc.status = status;
  if (init.detail !== undefined) doc.detail = init.detail;
  if (init.instance !== undefined) doc.instance = init.instance;
  const extensions = init.extensions;
  if (extensions !== undefined) {
    for (const key of Object.keys(extensions)) {
      if (STANDARD.has(key) || isUnsafeKey(key)) continue;
      doc[key] = extensions[key];
    }
  }
  return doc;
}

/**
 * A `Response` carrying a problem: `content-type: application/problem+json`, the problem's
 * status as the HTTP status, and the document as the body. Works in any Fetch-based server
 * (Hono, Deno, Bun, workers, Next.js route handlers).
 *
 * @param init - the problem; `status` must be 400–599
 * @param headers - extra response headers, e.g. `Retry-After`
 * @returns the response
 * @throws InvalidProblemOptionError when `status` is not 400–599
 *
 * @example
 * ```ts
 * import { problem } from '@brace/problem-details';
 *
 * const response = problem({
 *   type: 'https://example.com/probs/out-of-credit',
 *   title: 'You do not have enough credit.',
 *   status: 403,
 *   detail: 'Your current balance is 30, but that costs 50.',
 *   extensions: { balance: 30 },
 * });
 * ```
 */
export function problem(init: ProblemInit, headers?: ProblemHeadersInit): Response {
  const doc = problemDocument(init);
  const responseHeaders = new Headers(headers);
  if (!responseHeaders.has('content-type')) responseHeaders.set('content-type', PROBLEM_JSON);
  return new Response(JSON.stringify(doc), {
    status: doc.status as number,
    headers: responseHeaders,
  });
}

/** Options of {@link toProblemResponse} and {@link problemFromError}. */
export interface ToProblemOptions {
  /**
   * Show 5xx errors' messages as `detail`. Off by default ({@link DEFAULT_EXPOSE}): a
   * server error's message may name hosts, queries or secrets. 4xx messages are always
   * shown unless the error has `expose: false`.
   */
  expose?: boolean | undefined;
  /** Add the error's stack as a `stack` extension (development only). Default `false`. */
  exposeStack?: boolean | undefined;
  /** The status of thrown validation errors. Default {@link DEFAULT_VALIDATION_STATUS}. */
  validationStatus?: number | undefined;
  /** How validation issue locations are written. Default {@link DEFAULT_POINTER_STYLE}. */
  pointerStyle?: PointerStyle | undefined;
  /**
   * Builds each validation issue's `detail`. Default `issueDetail`: from the issue's code
   * and expected type only, never the validator's message (which quotes the input).
   */
  issueDetail?: ((issue: StandardSchemaV1.Issue) => string) | undefined;
  /**
   * Called with each converted error and the problem made from it, e.g. to log the 5xx
   * errors whose messages the client does not see. A throwing callback is ignored.
   */
  onError?: ((event: ProblemErrorEvent) => void) | undefined;
}

/** What {@link ToProblemOptions.onError} receives. */
export interface ProblemErrorEvent {
  /** The error that was thrown. */
  error: unknown;
  /** The problem sent to the client. */
  problem: ProblemDetails;
}

/**
 * A validation problem (RFC 9457 §3's example): the status phrase as title and the issues
 * as `errors: [{ detail, pointer }]` with JSON Pointers. Each detail comes from the issue's
 * code and expected type (`issueDetail`), never from the validator's message, which quotes
 * the input.
 *
 * @param issues - Standard Schema issues (zod, valibot, arktype, or `{ message, path }`)
 * @param init - overrides: `type`, `title`, `status` (default 422), `detail`, `pointerStyle`,
 *   `issueDetail`
 * @returns a problem for `problem()`
 *
 * @example
 * ```ts
 * import { problem, validationProblem } from '@brace/problem-details';
 *
 * async function createOrder(request: Request): Promise<Response> {
 *   const result = Order.safeParse(await request.json());
 *   if (!result.success) return problem(validationProblem(result.error.issues));
 *   return Response.json(await saveOrder(result.data), { status: 201 });
 * }
 * ```
 */
export function validationProblem(
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
  init?: Omit<ProblemInit, 'extensions'> & {
    pointerStyle?: PointerStyle | undefined;
    issueDetail?: ((issue: StandardSchemaV1.Issue) => string) | undefined;
  },
): ProblemDetails<{
  /** One item per issue: what is wrong (`detail`) and where (`pointer`). */
  errors: ValidationErrorItem[];
}> {
  const status = init?.status ?? DEFAULT_VALIDATION_STATUS;
  checkStatus(status);
  const type = init?.type ?? ABOUT_BLANK;
  const extensions = emptyExtensions() as { errors: ValidationErrorItem[] };
  extensions.errors = validationErrors(
    issues,
    init?.pointerStyle ?? DEFAULT_POINTER_STYLE,
    init?.issueDetail,
  );
  return {
    type,
    title: init?.title ?? (type === ABOUT_BLANK ? statusPhrase(status) : undefined),
    status,
    detail: init?.detail,
    instance: init?.instance,
    extensions,
  };
}

/**
 * Checks {@link ToProblemOptions} once, where a handler is made, so that a bad option
 * fails at start-up rather than inside an error handler.
 *
 * @internal
 */
export function checkProblemOptions(options: ToProblemOptions | undefined): void {
  const status = options?.validationStatus;
  if (status !== undefined) {
    if (!isStatusCode(status) || status < 400) {
      throw new InvalidProblemOptionError('validationStatus', 'an integer from 400 to 599', status);
    }
  }
  const style = options?.pointerStyle;
  if (style !== undefined && style !== 'fragment' && style !== 'json') {
    throw new InvalidProblemOptionError('pointerStyle', "'fragment' or 'json'", style);
  }
}

function readStatus(error: object): number | undefined {
  const record = error as { status?: unknown; statusCode?: unknown };
  if (isStatusCode(record.status) && record.status >= 400) return record.status;
  if (isStatusCode(record.statusCode) && record.statusCode >= 400) return record.statusCode;
  return undefined;
}

/**
 * Whether `error` is a schema failure of a call this server made (ky's
 * `SchemaValidationError`, `@brace/schema-guard`'s errors): its `issues` and `status` describe
 * the other API, not the request being answered.
 */
function isOutgoingSchemaError(error: object): boolean {
  if ((error as { name?: unknown }).name === 'SchemaValidationError') return true;
  const code = (error as { code?: unknown }).code;
  return isBraceError(error) && typeof code === 'string' && code.startsWith('SCHEMA_GUARD_');
}

function isIssueList(value: unknown): value is StandardSchemaV1.Issue[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null);
}

function convert(error: unknown, options: ToProblemOptions | undefined): ProblemDetails {
  const expose = options?.expose ?? DEFAULT_EXPOSE;
  if (isBraceError(error, 'PROBLEM_DETAILS')) {
    const made = error as ProblemDetailsError;
    // A problem received from an upstream API is not this server's to relay.
    if (made.responseStatus === undefined) {
      const status = isStatusCode(made.status) && made.status >= 400 ? made.status : 500;
      return { ...made.toProblem(), status };
    }
    return bare(502, expose ? made.message : undefined);
  }
  if (typeof error !== 'object' || error === null) return bare(500, undefined);
  if (isOutgoingSchemaError(error)) {
    // This server's own call to another API failed validation: not the client's fault.
    const message = (error as { message?: unknown }).message;
    return bare(500, expose && typeof message === 'string' && message !== '' ? message : undefined);
  }
  // zod's ZodError and valibot's ValiError carry `issues`; arktype's TraversalError `arkErrors`.
  const record = error as { issues?: unknown; arkErrors?: unknown };
  const issues = record.issues ?? record.arkErrors;
  if (isIssueList(issues)) {
    return validationProblem(issues, {
      status: options?.validationStatus,
      pointerStyle: options?.pointerStyle,
      issueDetail: options?.issueDetail,
    });
  }
  const status = readStatus(error) ?? 500;
  // A body that failed to parse (body-parser's 400 is the JSON.parse SyntaxError, with
  // `expose: true`): V8's message quotes the input, which may hold secrets.
  if (status < 500 && error instanceof SyntaxError) return bare(status, UNPARSEABLE);
  const message = (error as { message?: unknown }).message;
  const shown = status < 500 ? (error as { expose?: unknown }).expose !== false : expose;
  return bare(status, shown && typeof message === 'string' && message !== '' ? message : undefined);
}

/** The detail of a 4xx `SyntaxError` (an unparseable request body), instead of its message. */
const UNPARSEABLE = 'The request body could not be parsed.';

function bare(status: number, detail: string | undefined): ProblemDetails {
  return {
    type: ABOUT_BLANK,
    title: statusPhrase(status),
    status,
    detail,
    instance: undefined,
    extensions: emptyExtensions(),
  };
}

/**
 * The problem an error handler should send for `error`:
 *
 * - a `ProblemDetailsError` made on this server (e.g. by a problem type's `error()`) is
 *   sent as it is; one received from an upstream API becomes a bare 502;
 * - a schema failure of a call this server made (ky's `SchemaValidationError`,
 *   `@brace/schema-guard`'s `SCHEMA_GUARD_*` errors) is a 500: its issues and status
 *   describe the other API, not the request being answered;
 * - an error with an `issues` array (zod's `ZodError`, Standard Schema failures) becomes a
 *   validation problem ({@link validationProblem}), 422 by default;
 * - an error with a 4xx/5xx `status` or `statusCode` (Hono's `HTTPException`,
 *   `http-errors`) keeps that status; 4xx messages are shown as `detail`;
 * - anything else is a 500. 5xx messages and stacks are never shown unless `expose` /
 *   `exposeStack` say so.
 *
 * @param error - whatever was thrown
 * @param options - exposure and validation settings
 * @returns the problem
 *
 * @example
 * ```ts
 * import { problemDocument, problemFromError } from '@brace/problem-details';
 *
 * const p = problemFromError(error);
 * reply.code(p.status ?? 500).type('application/problem+json').send(problemDocument(p));
 * ```
 */
export function problemFromError(error: unknown, options?: ToProblemOptions): ProblemDetails {
  const result = convert(error, options);
  if (options?.exposeStack === true && error instanceof Error && error.stack !== undefined) {
    // A copy: the extensions may be those of the thrown error, which must not keep the stack.
    const extensions = emptyExtensions();
    Object.assign(extensions, result.extensions);
    extensions.stack = error.stack;
    result.extensions = extensions;
  }
  const onError = options?.onError;
  if (onError !== undefined) {
    try {
      onError({ error, problem: result });
    } catch {
      // A throwing callback must not break error handling.
    }
  }
  return result;
}

/**
 * The `Response` an error handler should send for `error` (see {@link problemFromError}
 * for the rules). Never leaks a 5xx's message or stack unless asked to. The headers the
 * error carries are sent too: a Hono `HTTPException`'s `res` headers (`WWW-Authenticate`
 * from `bearerAuth`) and an `http-errors` `headers` record (`Allow`, `Retry-After`), except
 * those describing a body (`content-type`, `content-length`…).
 *
 * @param error - whatever was thrown
 * @param options - exposure and validation settings
 * @returns an `application/problem+json` response
 *
 * @example
 * ```ts
 * import { toProblemResponse } from '@brace/problem-details';
 *
 * export default {
 *   async fetch(request: Request) {
 *     try {
 *       return await route(request);
 *     } catch (error) {
 *       return toProblemResponse(error, { onError: ({ error }) => log.error(error) });
 *     }
 *   },
 * };
 * ```
 */
export function toProblemResponse(error: unknown, options?: ToProblemOptions): Response {
  return problem(problemFromError(error, options), errorHeaders(error));
}
