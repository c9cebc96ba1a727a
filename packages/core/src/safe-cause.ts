/** The longest message a {@link SafeCause} keeps, in characters. */
export const SAFE_CAUSE_MESSAGE_LIMIT = 300;

/** How many nested causes {@link safeCause} follows. */
const MAX_DEPTH = 4;

/** The longest text the URL scrubber looks at (it runs before the message is clipped). */
const SCRUB_LIMIT = 4_096;

/**
 * A URL: its scheme, an optional user-info part (dropped), the host and path (kept), and an
 * optional query or fragment (replaced). The classes never overlap in a way that backtracks
 * more than once per start position.
 */
const URL_PATTERN = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)(?:[^\s/?#@]*@)?([^\s?#]*)([?#][^\s]*)?/gi;

/**
 * The driver's error reduced to what is safe to log and keep: its `name`, its `code` (and a
 * numeric `errno`), and its message with URL queries, fragments and user info removed,
 * control characters replaced and at most {@link SAFE_CAUSE_MESSAGE_LIMIT} characters.
 * Never the driver's arguments (`command.args`), query parameters, request or response
 * objects, headers, bodies or credentials. Its own `cause` is the driver error's cause,
 * reduced the same way. The stack keeps the driver's frames.
 *
 * @example
 * ```ts
 * import { SafeCause } from '@brace/core';
 *
 * if (error.cause instanceof SafeCause) log.warn(error.cause.name, error.cause.code, error.cause.message);
 * ```
 */
export class SafeCause extends Error {
  /** The driver's `code` (e.g. `ECONNREFUSED`, `57P01`, `ERR_SQLITE_ERROR`), if it had one. */
  readonly code: string | number | undefined;
  /** The driver's numeric error number (`errno`, or SQLite's `errcode`), if it had one. */
  readonly errno: number | undefined;

  /**
   * @param name - the original error's name
   * @param message - the scrubbed message
   * @param details - `code`, `errno` and the scrubbed `cause`
   */
  constructor(
    name: string,
    message: string,
    details: { code?: string | number; errno?: number; cause?: SafeCause } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    this.code = details.code;
    this.errno = details.errno;
  }
}

/**
 * Removes what may carry a secret from a driver's message: URL user info, query strings and
 * fragments (replaced by `?…`), control characters; clips it to
 * {@link SAFE_CAUSE_MESSAGE_LIMIT} characters.
 *
 * @param message - a driver's error message
 * @returns the message, safe to log
 *
 * @example
 * ```ts
 * import { scrubMessage } from '@brace/core';
 *
 * scrubMessage('GET https://user:pw@api.example.com/v1/x?api_key=s3cr3t failed');
 * // 'GET https://api.example.com/v1/x?… failed'
 * ```
 */
export function scrubMessage(message: string): string {
  const bounded = message.length > SCRUB_LIMIT ? message.slice(0, SCRUB_LIMIT) : message;
  const scrubbed = bounded
    .replace(
      URL_PATTERN,
      (_match, scheme: string, rest: string, query: string | undefined) =>
        `${scheme}${rest}${query === undefined ? '' : '?…'}`,
    )
    // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
  return scrubbed.length > SAFE_CAUSE_MESSAGE_LIMIT
    ? `${scrubbed.slice(0, SAFE_CAUSE_MESSAGE_LIMIT)}…`
    : scrubbed;
}

function codeOf(value: unknown): string | number | undefined {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    ? value
    : undefined;
}

/**
 * Options of {@link safeCause}.
 *
 * @example
 * ```ts
 * import type { SafeCauseOptions } from '@brace/core';
 *
 * const options: SafeCauseOptions = { redact: [idempotencyKey, ownerToken] };
 * ```
 */
export interface SafeCauseOptions {
  /**
   * Values you passed to the driver (keys, tokens, fingerprints) that must not appear even
   * in its message (a trigger or a server may echo them): each occurrence of a value of 4
   * characters or more is replaced by `[redacted]`.
   */
  redact?: readonly string[];
}

function redactAll(text: string, redact: readonly string[]): string {
  let out = text;
  for (const value of redact) {
    if (typeof value === 'string' && value.length >= 4) out = out.replaceAll(value, '[redacted]');
  }
  return out;
}

function reduce(error: unknown, depth: number, redact: readonly string[]): SafeCause | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error !== 'object' && typeof error !== 'function') {
    // A thrown string or number may be the secret itself: keep its type only.
    return new SafeCause('NonError', `A ${typeof error} was thrown (its value is withheld).`);
  }
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    errno?: unknown;
    errcode?: unknown;
    cause?: unknown;
    stack?: unknown;
  };
  const name =
    typeof e.name === 'string' && e.name !== '' ? scrubMessage(redactAll(e.name, redact)) : 'Error';
  const message = typeof e.message === 'string' ? scrubMessage(redactAll(e.message, redact)) : '';
  const errno = typeof e.errno === 'number' ? e.errno : e.errcode;
  const safe = new SafeCause(name, message, {
    ...(codeOf(e.code) === undefined ? {} : { code: codeOf(e.code) as string | number }),
    ...(typeof errno === 'number' ? { errno } : {}),
    ...(depth < MAX_DEPTH && e.cause !== undefined
      ? { cause: reduce(e.cause, depth + 1, redact) }
      : {}),
  });
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter(isFrame) : [];
  safe.stack = [`${name}: ${message}`, ...frames.slice(0, 20)].join('\n');
  return safe;
}

/** A stack line naming a frame (`    at fn (file:line:col)`), not a message line. */
function isFrame(line: string): boolean {
  return line.startsWith('    at ');
}

/**
 * Reduces any thrown value to a {@link SafeCause}: the error's name, code and scrubbed
 * message (and its cause chain, reduced the same way), and nothing else. Use it for the
 * `cause` of an error you raise around a driver or HTTP client error, whose own properties
 * may hold the command's arguments (keys, tokens, bodies), the request (URL query,
 * `Authorization`) or connection strings. A value that is not an object becomes a
 * `NonError` cause naming its type only. `undefined` and `null` stay `undefined`; a
 * `SafeCause` is returned as it is.
 *
 * @param error - whatever was thrown
 * @param options - `redact`: values to remove from the messages too
 * @returns the safe cause, or `undefined` when there is none
 *
 * @example
 * ```ts
 * import { BraceError, safeCause } from '@brace/core';
 *
 * try {
 *   await redis.evalsha(sha, 1, key, token, body);
 * } catch (error) {
 *   throw new BraceError('STORE_FAILED', 'The store failed; see `cause`.', { cause: safeCause(error) });
 * }
 * ```
 */
export function safeCause(error: unknown, options?: SafeCauseOptions): SafeCause | undefined {
  if (error instanceof SafeCause) return error;
  return reduce(error, 0, options?.redact ?? []);
}
