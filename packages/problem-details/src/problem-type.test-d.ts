import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ProblemDetailsError } from './errors.js';
import { normalizeProblem } from './normalize.js';
import { type ProblemDetails, parseProblemDetails } from './parse.js';
import { defineProblemType, isProblem } from './problem-type.js';

const OutOfCredit = defineProblemType({
  type: 'https://example.com/probs/out-of-credit',
  title: 'You do not have enough credit.',
  status: 403,
  extensions: z.object({ balance: z.number(), accounts: z.array(z.string()) }),
});

describe('problem type types', () => {
  it('narrows extensions with isProblem', () => {
    const error: unknown = null;
    if (isProblem(error, OutOfCredit)) {
      expectTypeOf(error).toEqualTypeOf<
        ProblemDetailsError<{ balance: number; accounts: string[] }>
      >();
      expectTypeOf(error.extensions.balance).toEqualTypeOf<number>();
    }
  });

  it('requires the extensions a schema demands when producing', () => {
    expectTypeOf(OutOfCredit.create)
      .parameter(0)
      .toMatchTypeOf<{ extensions: { balance: number; accounts: string[] } } | undefined>();
    // @ts-expect-error balance must be a number
    OutOfCredit.create({ extensions: { balance: '1', accounts: [] } });
    const Plain = defineProblemType({ type: 'urn:p', title: 'P', status: 400 });
    expectTypeOf(Plain.create()).toEqualTypeOf<ProblemDetails<Record<string, unknown>>>();
  });
});

describe('a Response is not a parsed body', () => {
  it('parseProblemDetails and normalizeProblem refuse a Response at compile time', () => {
    const response = new Response();
    // @ts-expect-error a Response where a parsed body is expected
    parseProblemDetails(response);
    // @ts-expect-error a Response where a parsed body is expected
    normalizeProblem(response, { status: 500 });
    parseProblemDetails({ type: 'x' });
    parseProblemDetails(JSON.parse('{}') as unknown);
    normalizeProblem(undefined);
    expectTypeOf(
      ProblemDetailsError.fromResponse(response),
    ).resolves.toEqualTypeOf<ProblemDetailsError>();
  });
});
