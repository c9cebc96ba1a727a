import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineProblemType, problemRegistry } from './index.js';

const OutOfCredit = defineProblemType({
  type: 'https://example.com/probs/out-of-credit',
  title: 'Out of credit',
  status: 403,
  extensions: z.object({ balance: z.number() }),
});
const Quota = defineProblemType({
  type: 'https://example.com/probs/quota',
  title: 'Quota',
  status: 429,
});
const problems = problemRegistry([OutOfCredit, Quota]);

describe('problemRegistry types', () => {
  it('keeps the literal type URI', () => {
    expectTypeOf(OutOfCredit.type).toEqualTypeOf<'https://example.com/probs/out-of-credit'>();
  });

  it('match is exhaustive and types each handler’s extensions', () => {
    const result = problems.match(new Error(), {
      'https://example.com/probs/out-of-credit': (e) => {
        expectTypeOf(e.extensions.balance).toEqualTypeOf<number>();
        return 1;
      },
      'https://example.com/probs/quota': () => 2,
      _: () => 3,
    });
    expectTypeOf(result).toEqualTypeOf<number>();
    // @ts-expect-error the quota handler is missing
    problems.match(new Error(), {
      'https://example.com/probs/out-of-credit': () => 1,
      _: () => 3,
    });
    // @ts-expect-error the fallback is missing
    problems.match(new Error(), {
      'https://example.com/probs/out-of-credit': () => 1,
      'https://example.com/probs/quota': () => 2,
    });
  });
});
