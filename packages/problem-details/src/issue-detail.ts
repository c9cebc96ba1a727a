import { safeIssueMessage } from '@brace/core';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * A validation issue's detail built from what the schema says — the issue's code, its
 * expected type, bounds, format or allowed values — and never from the input: zod 4,
 * valibot and arktype messages quote the value that failed (valibot's
 * `Expected number but received "…"`, arktype's `(was "…")`), and a request body can carry
 * secrets. Issues of other libraries, with only `message` and `path`, get `'is invalid'`
 * (the pointer still says where). The default of `validationProblem`, `validationErrors`
 * and `toProblemResponse`; the rule is `safeIssueMessage` of `@brace/core`, which
 * `@brace/schema-guard` shares.
 *
 * @param issue - a Standard Schema issue (zod, valibot or arktype, as thrown or returned)
 * @returns a short detail, e.g. `'expected number'`, `'must be >= 3'`, `'must be a valid email'`
 *
 * @example
 * ```ts
 * import { issueDetail } from '@brace/problem-details';
 *
 * // a zod 4 issue: its message names the type received, valibot's and arktype's quote the value
 * const issue = { code: 'invalid_type', expected: 'number', path: ['age'], message: 'Invalid input: expected number, received string' };
 * issueDetail(issue); // 'expected number'
 * ```
 */
export function issueDetail(issue: StandardSchemaV1.Issue): string {
  return safeIssueMessage(issue);
}
