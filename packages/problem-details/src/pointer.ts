import { issueDetail } from './issue-detail.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * How validation issue locations are written: `'fragment'` as in RFC 9457's example
 * (`#/profile/color`, the URI fragment form of RFC 6901 §6), `'json'` as a plain RFC 6901
 * JSON Pointer (`/profile/color`).
 */
export type PointerStyle = 'fragment' | 'json';

/** The pointer style used unless told otherwise: RFC 9457's own example uses fragments. */
export const DEFAULT_POINTER_STYLE: PointerStyle = 'fragment';

/** One entry of a validation problem's `errors` member (RFC 9457 §3). */
export interface ValidationErrorItem {
  /** What is wrong with the value, for humans. */
  detail: string;
  /** Where the value is in the request body, as a JSON Pointer. */
  pointer: string;
}

/** A path as validation libraries report it: keys, or `{ key }` segments. */
export type IssuePath = ReadonlyArray<PropertyKey | StandardSchemaV1.PathSegment>;

function segmentText(segment: PropertyKey | StandardSchemaV1.PathSegment): string {
  const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
  if (typeof key === 'symbol') return key.description ?? '';
  return String(key);
}

/** Characters a URI fragment may hold besides ALPHA / DIGIT (RFC 3986 §3.5). */
const FRAGMENT_SAFE = new Set("-._~!$&'()*+,;=:@/?");

/** A lone surrogate cannot be UTF-8 encoded: it is written as U+FFFD, as TextEncoder does. */
const LONE_SURROGATE = '%EF%BF%BD';

function encodeFragment(pointer: string): string {
  let out = '';
  for (const char of pointer) {
    const code = char.charCodeAt(0);
    const alnum =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (alnum || FRAGMENT_SAFE.has(char)) out += char;
    else if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) out += LONE_SURROGATE;
    else out += encodeURIComponent(char);
  }
  return out;
}

/**
 * Turns a validation issue's path into an RFC 6901 JSON Pointer: each segment prefixed by
 * `/`, with `~` written `~0` and `/` written `~1`. In `'fragment'` style the pointer is
 * prefixed by `#` and percent-encoded (RFC 6901 §6), as RFC 9457's example shows.
 *
 * @param path - the issue path, e.g. `['profile', 'color']` or `[{ key: 'items' }, 0]`
 * @param style - `'fragment'` (default) or `'json'`
 * @returns the pointer; the whole document is `'#'` or `''`
 *
 * @example
 * ```ts
 * import { toJsonPointer } from '@brace/problem-details';
 *
 * toJsonPointer(['profile', 'color']); // '#/profile/color'
 * toJsonPointer(['a/b', 'm~n', 0], 'json'); // '/a~1b/m~0n/0'
 * ```
 */
export function toJsonPointer(
  path: IssuePath | undefined,
  style: PointerStyle = DEFAULT_POINTER_STYLE,
): string {
  let pointer = '';
  if (path !== undefined) {
    for (const segment of path) {
      pointer += `/${segmentText(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;
    }
  }
  return style === 'json' ? pointer : `#${encodeFragment(pointer)}`;
}

/**
 * Renders validation issues (Standard Schema: zod 4, valibot, arktype and anything with
 * `{ message, path }`) as RFC 9457's `errors` member: `[{ detail, pointer }]`. Each detail
 * is built by `issueDetail` from the issue's code and expected type, never from its
 * message (validators quote the input there), so nothing the client sent is echoed back.
 * Pass `detail` to write your own (e.g. `(issue) => issue.message` for messages you wrote
 * and know to be safe).
 *
 * @param issues - the validation issues
 * @param style - the pointer style, `'fragment'` by default
 * @param detail - builds each item's detail; default `issueDetail`
 * @returns one `{ detail, pointer }` per issue
 *
 * @example
 * ```ts
 * import { validationErrors } from '@brace/problem-details';
 *
 * const issue = { code: 'invalid_type', expected: 'number', message: 'Invalid input: expected number, received string', path: ['age'] };
 * validationErrors([issue]); // [{ detail: 'expected number', pointer: '#/age' }]
 * ```
 */
export function validationErrors(
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
  style: PointerStyle = DEFAULT_POINTER_STYLE,
  detail: (issue: StandardSchemaV1.Issue) => string = issueDetail,
): ValidationErrorItem[] {
  const items: ValidationErrorItem[] = [];
  for (const issue of issues) {
    items.push({ detail: String(detail(issue)), pointer: toJsonPointer(issue.path, style) });
  }
  return items;
}
