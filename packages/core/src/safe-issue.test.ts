import { describe, expect, it } from 'vitest';
import { safeIssueMessage } from './index.js';

const SECRET = 'secret-value-7f3a';

describe('safeIssueMessage', () => {
  it('zod 4, valibot and arktype issues (their documented shapes): from the schema side only', () => {
    const cases: Array<[object, string]> = [
      // zod 4
      [
        {
          code: 'invalid_type',
          expected: 'number',
          message: 'Invalid input: expected number, received string',
        },
        'expected number',
      ],
      [
        { code: 'too_small', minimum: 3, inclusive: true, origin: 'string', message: 'x' },
        'must be >= 3',
      ],
      [
        { code: 'invalid_format', format: 'email', message: 'Invalid email address' },
        'must be a valid email',
      ],
      [{ code: 'invalid_value', values: ['a', 'b'], message: 'x' }, 'expected one of "a" | "b"'],
      [{ code: 'not_multiple_of', divisor: 5, message: 'x' }, 'must be a multiple of 5'],
      [
        { code: 'unrecognized_keys', keys: [SECRET], message: `Unrecognized key: "${SECRET}"` },
        'has 1 unrecognized key',
      ],
      // valibot
      [
        {
          kind: 'schema',
          type: 'number',
          expected: 'number',
          received: `"${SECRET}"`,
          input: SECRET,
          message: `Invalid type: Expected number but received "${SECRET}"`,
        },
        'expected number',
      ],
      [
        {
          kind: 'validation',
          type: 'email',
          expected: null,
          received: `"${SECRET}"`,
          input: SECRET,
          message: 'x',
        },
        'must be a valid email',
      ],
      [
        { kind: 'validation', type: 'min_length', expected: '>=3', received: '1', message: 'x' },
        'must be >=3 (min length)',
      ],
      [
        {
          kind: 'schema',
          type: 'strict_object',
          expected: 'never',
          received: `"${SECRET}"`,
          message: 'x',
        },
        'is not allowed',
      ],
      // arktype
      [
        {
          code: 'domain',
          expected: 'a number',
          actual: 'a string',
          problem: 'must be a number (was a string)',
          data: SECRET,
          message: 'x',
        },
        'must be a number',
      ],
      [
        {
          code: 'required',
          expected: 'a string',
          actual: '',
          problem: 'must be a string',
          message: 'x',
        },
        'is required',
      ],
      [
        {
          code: 'union',
          expected: `kind must be "a" or "b" (was "${SECRET}")`,
          actual: `"${SECRET}"`,
          problem: 'p',
          data: SECRET,
          message: 'x',
        },
        'matches none of the allowed types',
      ],
      [
        {
          code: 'predicate',
          expected: 'removed',
          actual: '',
          problem: 'must be removed',
          message: 'x',
        },
        'is not allowed',
      ],
    ];
    for (const [issue, message] of cases) {
      expect(safeIssueMessage(issue as never)).toBe(message);
      expect(safeIssueMessage(issue as never)).not.toContain(SECRET);
    }
  });

  it('unusual issues: unknown codes, missing fields and echoed input fall back to "is invalid"', () => {
    const cases: Array<[object, string]> = [
      [{ message: 'x' }, 'is invalid'],
      [{ code: 'custom', message: SECRET }, 'is invalid'],
      [{ code: 'invalid_type', message: 'x' }, 'is invalid'],
      [{ code: 'too_small', message: 'x' }, 'is too small'],
      [{ code: 'too_big', maximum: 5n, inclusive: false, message: 'x' }, 'must be < 5'],
      [{ code: 'too_big', message: 'x' }, 'is too big'],
      [{ code: 'too_small', minimum: 2, inclusive: false, message: 'x' }, 'must be > 2'],
      [{ code: 'invalid_format', message: 'x' }, 'is invalid'],
      [{ code: 'not_multiple_of', message: 'x' }, 'is invalid'],
      [{ code: 'invalid_value', message: 'x' }, 'is invalid'],
      [{ code: 'unrecognized_keys', keys: ['a', 'b'], message: 'x' }, 'has 2 unrecognized keys'],
      [{ code: 'unrecognized_keys', message: 'x' }, 'has 0 unrecognized keys'],
      [{ code: 'invalid_union', message: 'x' }, 'matches none of the allowed types'],
      [{ code: 'invalid_key', message: 'x' }, 'has an invalid key'],
      [{ code: 'invalid_element', message: 'x' }, 'has an invalid element'],
      [{ kind: 'schema', type: 'number', expected: null, message: 'x' }, 'is invalid'],
      [{ kind: 'validation', type: 7, message: 'x' }, 'is invalid'],
      [
        {
          code: 'domain',
          problem: 'p',
          actual: SECRET,
          expected: `a (was ${SECRET})`,
          message: 'x',
        },
        'is invalid',
      ],
      // A schema whose expected value happens to contain the input: the guard drops it.
      [
        { code: 'invalid_type', expected: `x ${SECRET}`, input: SECRET, message: 'x' },
        'is invalid',
      ],
      [
        { code: 'invalid_format', format: 'a\u0000b'.padEnd(200, 'c'), message: 'x' },
        `must be a valid a b${'c'.repeat(117)}…`,
      ],
    ];
    for (const [issue, detail] of cases) expect(safeIssueMessage(issue as never)).toBe(detail);
  });
});
