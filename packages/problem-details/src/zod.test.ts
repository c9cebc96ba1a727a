import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemDetailsSchema, validationErrorsSchema } from './zod.js';

describe('problemDetailsSchema', () => {
  it('reads the RFC 9457 §3 example and extends for typed extensions', () => {
    const OutOfCredit = problemDetailsSchema.extend({
      balance: z.number(),
      accounts: z.array(z.string()),
    });
    const parsed = OutOfCredit.parse({
      type: 'https://example.com/probs/out-of-credit',
      title: 'You do not have enough credit.',
      detail: 'Your current balance is 30, but that costs 50.',
      instance: '/account/12345/msgs/abc',
      balance: 30,
      accounts: ['/account/12345', '/account/67890'],
    });
    expect(parsed.balance).toBe(30);
    expect(parsed.status).toBeUndefined();
  });

  it('reads wrong-typed members as absent and a missing type as about:blank', () => {
    expect(
      problemDetailsSchema.parse({
        type: 1,
        title: 2,
        status: '403',
        detail: [],
        instance: {},
        x: 1,
      }),
    ).toEqual({ type: 'about:blank', x: 1 });
    expect(problemDetailsSchema.parse({ status: 700 }).status).toBeUndefined();
    expect(problemDetailsSchema.parse({ status: 404 }).status).toBe(404);
  });

  it('validates the errors extension', () => {
    const Validation = problemDetailsSchema.extend({ errors: validationErrorsSchema });
    const ok = Validation.safeParse({
      errors: [{ detail: 'must be a positive integer', pointer: '#/age' }],
    });
    expect(ok.success).toBe(true);
    expect(Validation.safeParse({ errors: [{ detail: 1 }] }).success).toBe(false);
  });

  it('accepts every JSON object (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (doc) => {
        expect(problemDetailsSchema.safeParse(doc).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
