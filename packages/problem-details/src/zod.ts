/**
 * A zod 4 schema of a problem details document, for validating or extending problem types.
 *
 * @module
 */
import { z } from 'zod';

/**
 * A zod 4 schema of a problem details document (RFC 9457) in its wire form: the five
 * standard members, each of the wrong JSON type read as absent (`.catch`), a missing
 * `type` read as `'about:blank'`, and unknown members kept (`z.looseObject`). Extend it for
 * typed extension members.
 *
 * It checks shapes only: it does not resolve relative references or default the title;
 * `parseProblemDetails` (no zod needed) does both, and is much faster.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { problemDetailsSchema } from '@brace/problem-details/zod';
 *
 * const OutOfCredit = problemDetailsSchema.extend({
 *   balance: z.number(),
 *   accounts: z.array(z.string()),
 * });
 * const problem = OutOfCredit.parse(await response.json());
 * problem.balance; // number
 * ```
 */
export const problemDetailsSchema = z.looseObject({
  /** The problem type URI reference; `'about:blank'` when absent or not a string. */
  type: z.string().catch('about:blank'),
  /** A short summary of the problem type. */
  title: z.string().optional().catch(undefined),
  /** The HTTP status code, an integer 100–599. */
  status: z.int().min(100).max(599).optional().catch(undefined),
  /** A human-readable explanation of this occurrence. */
  detail: z.string().optional().catch(undefined),
  /** A URI reference identifying this occurrence. */
  instance: z.string().optional().catch(undefined),
});

/** A problem details document as {@link problemDetailsSchema} outputs it. */
export type ProblemDetailsDocument = z.output<typeof problemDetailsSchema>;

/**
 * The `errors` member of a validation problem (RFC 9457 §3's example): `{ detail, pointer }`
 * items. Use with `problemDetailsSchema.extend({ errors: validationErrorsSchema })`.
 *
 * @example
 * ```ts
 * import { problemDetailsSchema, validationErrorsSchema } from '@brace/problem-details/zod';
 *
 * const ValidationProblem = problemDetailsSchema.extend({ errors: validationErrorsSchema });
 * ```
 */
export const validationErrorsSchema = z.array(
  z.looseObject({
    /** What is wrong with the value at `pointer`. */
    detail: z.string(),
    /** A JSON Pointer (RFC 6901) to the offending value in the request body. */
    pointer: z.string(),
  }),
);
