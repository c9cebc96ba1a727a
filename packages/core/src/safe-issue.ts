import type { StandardSchemaV1 } from './standard-schema.js';

/** The longest schema-derived text (an expected type, a list of allowed values) quoted. */
const EXPECTED_LIMIT = 120;

/** The detail for an issue nothing safe can be said about. */
const INVALID = 'is invalid';

/** The fields of zod, valibot and arktype issues that describe the schema, not the input. */
interface AnyIssue {
  code?: unknown;
  kind?: unknown;
  type?: unknown;
  expected?: unknown;
  format?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: unknown;
  divisor?: unknown;
  values?: unknown;
  keys?: unknown;
  /** valibot's and zod's input (when reported); arktype's is `data`. */
  input?: unknown;
  data?: unknown;
  received?: unknown;
  actual?: unknown;
  problem?: unknown;
}

function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > EXPECTED_LIMIT ? `${flat.slice(0, EXPECTED_LIMIT)}…` : flat;
}

function bound(value: unknown): string | undefined {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : undefined;
}

/** zod 4: every issue code, from the schema's side only. */
function zodDetail(issue: AnyIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return typeof issue.expected === 'string' ? `expected ${clip(issue.expected)}` : INVALID;
    case 'too_small': {
      const min = bound(issue.minimum);
      return min === undefined
        ? 'is too small'
        : `must be ${issue.inclusive === false ? '>' : '>='} ${min}`;
    }
    case 'too_big': {
      const max = bound(issue.maximum);
      return max === undefined
        ? 'is too big'
        : `must be ${issue.inclusive === false ? '<' : '<='} ${max}`;
    }
    case 'invalid_format':
      return typeof issue.format === 'string' ? `must be a valid ${clip(issue.format)}` : INVALID;
    case 'not_multiple_of': {
      const divisor = bound(issue.divisor);
      return divisor === undefined ? INVALID : `must be a multiple of ${divisor}`;
    }
    case 'invalid_value':
      return Array.isArray(issue.values)
        ? `expected one of ${clip(issue.values.map((v) => JSON.stringify(v) ?? String(v)).join(' | '))}`
        : INVALID;
    case 'unrecognized_keys': {
      const count = Array.isArray(issue.keys) ? issue.keys.length : 0;
      return count === 1 ? 'has 1 unrecognized key' : `has ${count} unrecognized keys`;
    }
    case 'invalid_union':
      return 'matches none of the allowed types';
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    default:
      return INVALID;
  }
}

/** valibot: the issue's kind, type and schema-derived `expected`; never `received`. */
function valibotDetail(issue: AnyIssue): string {
  const type = typeof issue.type === 'string' ? clip(issue.type.replaceAll('_', ' ')) : undefined;
  const expected = typeof issue.expected === 'string' ? clip(issue.expected) : undefined;
  if (issue.kind === 'schema') {
    if (expected === 'never') return 'is not allowed';
    return expected === undefined ? INVALID : `expected ${expected}`;
  }
  if (type === undefined) return INVALID;
  return expected === undefined ? `must be a valid ${type}` : `must be ${expected} (${type})`;
}

/** arktype: the schema's description (`expected`), except where arktype folds the input in. */
function arktypeDetail(issue: AnyIssue): string {
  switch (issue.code) {
    case 'required':
      return 'is required';
    case 'union':
      // arktype's union `expected` is a whole sentence that quotes the input.
      return 'matches none of the allowed types';
    default:
      if (issue.expected === 'removed') return 'is not allowed';
      return typeof issue.expected === 'string' && !issue.expected.includes('(was ')
        ? `must be ${clip(issue.expected)}`
        : INVALID;
  }
}

function isValibot(issue: AnyIssue): boolean {
  return (
    (issue.kind === 'schema' || issue.kind === 'validation' || issue.kind === 'transformation') &&
    typeof issue.type === 'string'
  );
}

function isArktype(issue: AnyIssue): boolean {
  return typeof issue.code === 'string' && typeof issue.problem === 'string' && 'actual' in issue;
}

/** Whether `detail` contains the input's text (a last guard, whatever the library said). */
function echoesInput(detail: string, issue: AnyIssue): boolean {
  for (const value of [issue.input, issue.data]) {
    if (typeof value === 'string' && value.length >= 4 && detail.includes(value)) return true;
  }
  return false;
}

/**
 * A validation issue's message built from what the schema says — the issue's code, its
 * expected type, bounds, format or allowed values — and never from the input: zod 4,
 * valibot and arktype messages quote the value that failed (valibot's
 * `Expected number but received "…"`, arktype's `(was "…")`), and a request body can carry
 * secrets. Issues of other libraries, with only `message` and `path`, get `'is invalid'`.
 * A message that would still contain the input's text is replaced by `'is invalid'`.
 * `@brace/problem-details` (`issueDetail`) and `@brace/schema-guard` use it for what they
 * show of an issue.
 *
 * @param issue - a Standard Schema issue (zod, valibot or arktype, as thrown or returned)
 * @returns a short detail, e.g. `'expected number'`, `'must be >= 3'`, `'must be a valid email'`
 *
 * @example
 * ```ts
 * import { safeIssueMessage } from '@brace/core';
 *
 * // a zod 4 issue: its message names the type received, valibot's and arktype's quote the value
 * const issue = { code: 'invalid_type', expected: 'number', path: ['age'], message: 'Invalid input: expected number, received string' };
 * safeIssueMessage(issue); // 'expected number'
 * ```
 */
export function safeIssueMessage(issue: StandardSchemaV1.Issue): string {
  const any = issue as AnyIssue;
  let detail: string;
  if (isValibot(any)) detail = valibotDetail(any);
  else if (isArktype(any)) detail = arktypeDetail(any);
  else if (typeof any.code === 'string') detail = zodDetail(any);
  else detail = INVALID;
  return echoesInput(detail, any) ? INVALID : detail;
}
