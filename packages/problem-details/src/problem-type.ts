import { isBraceError } from '@brace/core';
import { InvalidProblemOptionError, ProblemDetailsError } from './errors.js';
import { emptyExtensions, type ProblemDetails, type ProblemExtensions } from './parse.js';
import { type ProblemHeadersInit, problem } from './server.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { isStatusCode } from './status.js';

/** What {@link defineProblemType} takes. */
export interface ProblemTypeInit<
  S extends StandardSchemaV1 | undefined = undefined,
  T extends string = string,
> {
  /** The problem type URI, e.g. `'https://example.com/probs/out-of-credit'`. */
  type: T;
  /** The stable title of the type. */
  title: string;
  /** The HTTP status used with it, 400–599. */
  status: number;
  /** A Standard Schema (zod 4, valibot, arktype …) for the extension members. */
  extensions?: S;
}

/** The extension members' type a schema (or none) gives. */
export type ExtensionsOf<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S> extends ProblemExtensions
    ? StandardSchemaV1.InferOutput<S>
    : ProblemExtensions
  : ProblemExtensions;

/** One occurrence of a problem type: the members that change per occurrence. */
export type ProblemOccurrence<E extends ProblemExtensions> = {
  /** A human-readable explanation of this occurrence. */
  detail?: string | undefined;
  /** A URI reference identifying this occurrence. */
  instance?: string | undefined;
} & (Record<string, never> extends E
  ? {
      /** The extension members of this occurrence (optional: the type declares none required). */
      extensions?: E | undefined;
    }
  : {
      /** The extension members of this occurrence, checked against the type's schema. */
      extensions: E;
    });

/** A problem type made by {@link defineProblemType}. */
export interface ProblemType<
  E extends ProblemExtensions = ProblemExtensions,
  T extends string = string,
> {
  /** The problem type URI (its literal type, for `problemRegistry`'s exhaustive `match`). */
  readonly type: T;
  /** The stable title. */
  readonly title: string;
  /** The HTTP status. */
  readonly status: number;
  /** The extensions schema, if any. */
  readonly extensions: StandardSchemaV1 | undefined;
  /** A problem of this type (for `problem()`, or to compare against). */
  create(occurrence?: ProblemOccurrence<E>): ProblemDetails<E>;
  /** An error of this type to throw on a server; `toProblemResponse` sends it as it is. */
  error(occurrence?: ProblemOccurrence<E>): ProblemDetailsError<E>;
  /** An `application/problem+json` response of this type. */
  response(occurrence?: ProblemOccurrence<E>, headers?: ProblemHeadersInit): Response;
}

/**
 * Declares a problem type once, for both sides: servers produce it (`create`, `error`,
 * `response`), clients recognise it with {@link isProblem}, which also validates and types
 * the extension members. The extensions schema is any Standard Schema, so this needs no
 * zod import; a zod 4 object schema works as it is.
 *
 * @param init - `type`, `title`, `status` (400–599) and an optional `extensions` schema
 * @returns the problem type
 * @throws InvalidProblemOptionError when `type` is empty or `status` is not 400–599
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineProblemType, isProblem } from '@brace/problem-details';
 *
 * export const OutOfCredit = defineProblemType({
 *   type: 'https://example.com/probs/out-of-credit',
 *   title: 'You do not have enough credit.',
 *   status: 403,
 *   extensions: z.object({ balance: z.number(), accounts: z.array(z.string()) }),
 * });
 *
 * // server: a handler returns it
 * const response = OutOfCredit.response({ detail: 'Balance 30, cost 50.', extensions: { balance: 30, accounts: [] } });
 * // client
 * if (isProblem(error, OutOfCredit)) console.log(error.extensions.balance); // number
 * ```
 */
export function defineProblemType<
  S extends StandardSchemaV1 | undefined = undefined,
  const T extends string = string,
>(init: ProblemTypeInit<S, T>): ProblemType<ExtensionsOf<S>, T> {
  type E = ExtensionsOf<S>;
  if (typeof init.type !== 'string' || init.type === '') {
    throw new InvalidProblemOptionError('type', 'a non-empty URI reference', init.type);
  }
  if (!isStatusCode(init.status) || init.status < 400) {
    throw new InvalidProblemOptionError('status', 'an integer from 400 to 599', init.status);
  }
  const schema = init.extensions;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new InvalidProblemOptionError('extensions', 'a Standard Schema', schema);
  }
  const create = (occurrence?: ProblemOccurrence<E>): ProblemDetails<E> => {
    const extensions = emptyExtensions();
    const given = occurrence?.extensions;
    if (given !== undefined) {
      for (const key of Object.keys(given)) extensions[key] = (given as ProblemExtensions)[key];
    }
    return {
      type: init.type,
      title: init.title,
      status: init.status,
      detail: occurrence?.detail,
      instance: occurrence?.instance,
      extensions: extensions as E,
    };
  };
  return {
    type: init.type,
    title: init.title,
    status: init.status,
    extensions: schema,
    create,
    error: (occurrence) => new ProblemDetailsError(create(occurrence)),
    response: (occurrence, headers) => problem(create(occurrence), headers),
  };
}

/**
 * Tells whether `error` is a {@link ProblemDetailsError} of the given problem type: same
 * `type` URI and, when the type has an extensions schema, extension members that pass it.
 * Narrows `error.extensions` to the schema's type.
 *
 * The schema must validate synchronously (zod, valibot and arktype do for schemas without
 * async refinements).
 *
 * @param error - whatever was caught
 * @param problemType - the type made by {@link defineProblemType}
 * @returns whether it is that problem
 * @throws InvalidProblemOptionError when the schema validates asynchronously
 *
 * @example
 * ```ts
 * import { isProblem } from '@brace/problem-details';
 *
 * try {
 *   await api.post('purchase', { json: order });
 * } catch (error) {
 *   if (!isProblem(error, OutOfCredit)) throw error;
 *   askForTopUp(error.extensions.balance);
 * }
 * ```
 */
export function isProblem<E extends ProblemExtensions>(
  error: unknown,
  problemType: ProblemType<E, string>,
): error is ProblemDetailsError<E> {
  if (!isBraceError(error, 'PROBLEM_DETAILS')) return false;
  const candidate = error as ProblemDetailsError;
  if (candidate.type !== problemType.type) return false;
  const schema = problemType.extensions;
  if (schema === undefined) return true;
  const result = schema['~standard'].validate(candidate.extensions);
  if (result instanceof Promise) {
    result.catch(() => {});
    throw new InvalidProblemOptionError('extensions', 'a synchronous Standard Schema', result);
  }
  return result.issues === undefined;
}
