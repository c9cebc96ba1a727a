import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueDetail, toProblemResponse, validationProblem } from './index.js';

const SECRET = 'secret-value-7f3a';

/** A body where every field fails, each carrying the secret (as a value or inside one). */
const input = {
  age: SECRET,
  name: SECRET,
  email: SECRET,
  kind: SECRET,
  tags: [SECRET],
  code: SECRET,
  count: 7,
  extra: SECRET,
};

const zodSchema = z.strictObject({
  age: z.number(),
  name: z.string().max(3),
  email: z.email(),
  kind: z.enum(['a', 'b']),
  tags: z.array(z.number()),
  code: z.string().regex(/^[0-9]+$/),
  count: z.number().multipleOf(5),
});
const valibotSchema = v.strictObject({
  age: v.number(),
  name: v.pipe(v.string(), v.maxLength(3)),
  email: v.pipe(v.string(), v.email()),
  kind: v.picklist(['a', 'b']),
  tags: v.array(v.number()),
  code: v.pipe(v.string(), v.regex(/^[0-9]+$/)),
  count: v.pipe(v.number(), v.multipleOf(5)),
});
const arkSchema = type({
  age: 'number',
  name: 'string <= 3',
  email: 'string.email',
  kind: "'a' | 'b'",
  tags: 'number[]',
  code: /^[0-9]+$/,
  count: 'number % 5',
  '+': 'reject',
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const libraries: Array<[string, () => unknown]> = [
  ['zod (ZodError)', () => thrown(() => zodSchema.parse(input))],
  ['valibot (ValiError)', () => thrown(() => v.parse(valibotSchema, input))],
  ['arktype (TraversalError)', () => thrown(() => arkSchema.assert(input))],
];

describe('toProblemResponse never echoes the input through validator messages', () => {
  it.each(libraries)(
    '%s: 422 with a pointer per issue, and the secret nowhere',
    async (_name, fail) => {
      const error = fail();
      // The validators' own messages do quote the input (the reason for this rule)…
      const messages = JSON.stringify(
        (error as { issues?: unknown[]; arkErrors?: unknown[] }).issues ??
          (error as { arkErrors: Array<{ message: string }> }).arkErrors.map((e) => e.message),
      );
      if (!_name.startsWith('zod')) expect(messages).toContain(SECRET);
      // …the response never does.
      const response = toProblemResponse(error);
      const text = await response.text();
      expect(response.status).toBe(422);
      expect(text).not.toContain(SECRET);
      const problem = JSON.parse(text) as { errors: Array<{ detail: string; pointer: string }> };
      const pointers = problem.errors.map((e) => e.pointer);
      for (const field of ['age', 'name', 'email', 'kind', 'code', 'count']) {
        expect(pointers).toContain(`#/${field}`);
      }
      expect(pointers).toContain('#/tags/0');
      for (const item of problem.errors) expect(item.detail).not.toBe('');
    },
  );

  it('zod details come from the issue codes', () => {
    const issues = zodSchema.safeParse(input).error?.issues ?? [];
    const details = Object.fromEntries(issues.map((i) => [i.path.join('/'), issueDetail(i)]));
    expect(details).toEqual({
      age: 'expected number',
      name: 'must be <= 3',
      email: 'must be a valid email',
      kind: 'expected one of "a" | "b"',
      'tags/0': 'expected number',
      code: 'must be a valid regex',
      count: 'must be a multiple of 5',
      '': 'has 1 unrecognized key',
    });
  });

  it('valibot details come from kind, type and expected, never received', () => {
    const issues = v.safeParse(valibotSchema, input).issues ?? [];
    const details = Object.fromEntries(
      issues.map((i) => [i.path?.map((p) => p.key).join('/'), issueDetail(i as never)]),
    );
    expect(details).toEqual({
      age: 'expected number',
      name: 'must be <=3 (max length)',
      email: 'must be a valid email',
      kind: 'expected ("a" | "b")',
      'tags/0': 'expected number',
      code: 'must be /^[0-9]+$/ (regex)',
      count: 'must be %5 (multiple of)',
      extra: 'is not allowed',
    });
  });

  it('arktype details come from the schema description, never the (was …) part', () => {
    const out = arkSchema(input);
    if (!(out instanceof type.errors)) throw new Error('expected errors');
    const details = Object.fromEntries(out.map((e) => [e.path.join('/'), issueDetail(e)]));
    expect(details).toEqual({
      age: 'must be a number',
      name: 'must be at most length 3',
      email: 'must be an email address',
      kind: 'matches none of the allowed types',
      'tags/0': 'must be a number',
      code: 'must be matched by ^[0-9]+$',
      count: 'must be a multiple of 5',
      extra: 'is not allowed',
    });
    const missing = type({ a: 'string' })({});
    if (!(missing instanceof type.errors)) throw new Error('expected errors');
    expect(issueDetail(missing[0] as never)).toBe('is required');
  });

  it('validationProblem takes the same rule, and your own issueDetail when asked', () => {
    const issues = zodSchema.safeParse(input).error?.issues ?? [];
    expect(JSON.stringify(validationProblem(issues))).not.toContain(SECRET);
    const own = validationProblem(issues, { issueDetail: () => 'custom' });
    expect(own.extensions.errors.every((e) => e.detail === 'custom')).toBe(true);
  });
});
