const BRAND = Symbol.for('@brace/core/BraceError');

/**
 * Options accepted by {@link BraceError}'s constructor.
 */
export interface BraceErrorOptions {
  /** The underlying error or value that caused this one, kept as `error.cause`. */
  cause?: unknown;
}

/**
 * The base class of every error Brace throws. Each subclass has a stable, documented
 * `code` that is safe to switch on, a message that says what happened and what to do,
 * and `cause` where there is one. Messages never contain secrets, tokens or payloads.
 *
 * @example
 * ```ts
 * import { BraceError } from '@brace/core';
 *
 * class QuotaError extends BraceError {
 *   constructor() {
 *     super('QUOTA_EXCEEDED', 'The monthly quota is used up; wait for the reset.');
 *   }
 * }
 * try {
 *   throw new QuotaError();
 * } catch (error) {
 *   if (error instanceof BraceError) console.log(error.code); // 'QUOTA_EXCEEDED'
 * }
 * ```
 */
export class BraceError extends Error {
  /** A stable, machine-readable identifier such as `RATE_LIMIT_QUEUE_FULL`. */
  readonly code: string;

  /**
   * @param code - stable machine-readable code, e.g. `RETRY_EXHAUSTED`
   * @param message - what happened and what to do about it; never a secret or a payload
   * @param options - `cause`, the underlying error
   */
  constructor(code: string, message: string, options?: BraceErrorOptions) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Tells whether `value` is a {@link BraceError}, also when it was created in another realm
 * (an iframe, a `vm` context, a worker) or by another copy of `@brace/core`, where
 * `instanceof` fails. Optionally checks the `code` too.
 *
 * @example
 * ```ts
 * import { isBraceError } from '@brace/core';
 *
 * try {
 *   await send();
 * } catch (error) {
 *   if (isBraceError(error, 'RETRY_EXHAUSTED')) reportOutage(error);
 *   else throw error;
 * }
 * ```
 */
export function isBraceError(value: unknown, code?: string): value is BraceError {
  if (typeof value !== 'object' || value === null) return false;
  const branded = value instanceof BraceError || (value as Record<symbol, unknown>)[BRAND] === true;
  if (!branded) return false;
  return code === undefined || (value as BraceError).code === code;
}

/**
 * Thrown when a structured field cannot be parsed or a value cannot be serialised. The
 * message names the position and what was expected; it never repeats the input.
 * Callers reading untrusted headers typically catch it and ignore the field, as RFC 9651
 * requires.
 *
 * @example
 * ```ts
 * import { isBraceError, parseItem } from '@brace/core';
 *
 * try {
 *   parseItem('"unterminated');
 * } catch (error) {
 *   isBraceError(error, 'STRUCTURED_FIELD_SYNTAX'); // true
 * }
 * ```
 */
export class StructuredFieldError extends BraceError {
  /**
   * @param message - what was wrong and where
   * @param options - `cause`, the underlying error if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('STRUCTURED_FIELD_SYNTAX', message, options);
  }
}
