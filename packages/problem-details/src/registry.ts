import { InvalidProblemOptionError, type ProblemDetailsError } from './errors.js';
import type { ProblemExtensions } from './parse.js';
import { isProblem, type ProblemType } from './problem-type.js';
import { type ToProblemOptions, toProblemResponse } from './server.js';

/**
 * Any problem type made by `defineProblemType`, whatever its extensions: what
 * {@link problemRegistry} takes.
 *
 * @example
 * ```ts
 * import type { AnyProblemType } from '@brace/problem-details';
 *
 * const types: AnyProblemType[] = [OutOfCredit, Quota];
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: any extension type fits the registry
export type AnyProblemType = ProblemType<any, string>;

/** The extension members' type of a problem type. */
export type ExtensionsOfType<P> = P extends ProblemType<infer E, string> ? E : ProblemExtensions;

/**
 * The handlers of {@link ProblemRegistry.match}: one per registered type URI (each gets the
 * error with its typed extensions), and `_` for anything else. Leaving a registered type
 * out is a type error.
 */
export type ProblemHandlers<P extends AnyProblemType, R> = {
  [K in P as K['type']]: (error: ProblemDetailsError<ExtensionsOfType<K>>) => R;
} & {
  /** Anything that is not a problem of a registered type (other problems, other errors). */
  _: (error: unknown) => R;
};

/**
 * Problem types in one place, for both sides: look a type up by its URI, map your error
 * classes to problems on the server, and `match` caught errors exhaustively on the client.
 *
 * @typeParam P - the registered problem types
 */
export interface ProblemRegistry<P extends AnyProblemType> {
  /** The registered types, in order. */
  readonly types: readonly P[];
  /** The registered type with this URI, or `undefined`. */
  lookup(type: string): P | undefined;
  /**
   * Maps instances of an error class (and its subclasses) to a problem of a registered
   * type, for {@link ProblemRegistry.toProblemResponse}. The first matching mapping wins.
   */
  map<C extends abstract new (...args: never[]) => unknown>(
    errorClass: C,
    toProblem: (error: InstanceType<C>) => ProblemDetailsError,
  ): ProblemRegistry<P>;
  /** `toProblemResponse` after the mappings: a mapped error is sent as its problem. */
  toProblemResponse(error: unknown, options?: ToProblemOptions): Response;
  /** Calls the handler of the error's registered type (its extensions validated), else `_`. */
  match<R>(error: unknown, handlers: ProblemHandlers<P, R>): R;
}

/**
 * Creates a {@link ProblemRegistry} of problem types made by `defineProblemType`. Type URIs
 * must be unique.
 *
 * @param types - the problem types
 * @returns the registry
 * @throws InvalidProblemOptionError when two types share a URI
 *
 * @example
 * ```ts
 * import { defineProblemType, problemRegistry } from '@brace/problem-details';
 *
 * const OutOfCredit = defineProblemType({ type: 'https://example.com/probs/out-of-credit', title: 'Out of credit', status: 403 });
 * const Quota = defineProblemType({ type: 'https://example.com/probs/quota', title: 'Quota exceeded', status: 429 });
 * class InsufficientFunds extends Error {}
 *
 * const problems = problemRegistry([OutOfCredit, Quota]).map(InsufficientFunds, () => OutOfCredit.error());
 * // server: problems.toProblemResponse(error)
 * // client:
 * const message = problems.match(caught, {
 *   'https://example.com/probs/out-of-credit': () => 'Top up your account',
 *   'https://example.com/probs/quota': (error) => `Retry after ${error.headers?.get('retry-after')} s`,
 *   _: () => 'Something went wrong',
 * });
 * ```
 */
export function problemRegistry<const P extends AnyProblemType>(
  types: readonly P[],
): ProblemRegistry<P> {
  const byUri = new Map<string, P>();
  for (const type of types) {
    if (byUri.has(type.type)) {
      throw new InvalidProblemOptionError('types', 'problem types with distinct URIs', type.type);
    }
    byUri.set(type.type, type);
  }
  const mappings: Array<
    [abstract new (...args: never[]) => unknown, (error: never) => ProblemDetailsError]
  > = [];
  const registry: ProblemRegistry<P> = {
    types: [...types],
    lookup: (uri) => byUri.get(uri),
    map(errorClass, toProblem) {
      mappings.push([errorClass, toProblem as (error: never) => ProblemDetailsError]);
      return registry;
    },
    toProblemResponse(error, options) {
      for (const [errorClass, toProblem] of mappings) {
        if (error instanceof errorClass)
          return toProblemResponse(toProblem(error as never), options);
      }
      return toProblemResponse(error, options);
    },
    match(error, handlers) {
      const uri = (error as { type?: unknown } | null)?.type;
      const type = typeof uri === 'string' ? byUri.get(uri) : undefined;
      if (type !== undefined && isProblem(error, type)) {
        const table = handlers as unknown as Record<string, (error: unknown) => unknown>;
        return (table[type.type] as (error: unknown) => unknown)(error) as ReturnType<
          typeof handlers._
        >;
      }
      return handlers._(error);
    },
  };
  return registry;
}
