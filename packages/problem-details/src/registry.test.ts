import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineProblemType,
  InvalidProblemOptionError,
  ProblemDetailsError,
  problemRegistry,
} from './index.js';

const OutOfCredit = defineProblemType({
  type: 'https://example.com/probs/out-of-credit',
  title: 'You do not have enough credit.',
  status: 403,
  extensions: z.object({ balance: z.number() }),
});
const Quota = defineProblemType({
  type: 'https://example.com/probs/quota',
  title: 'Quota exceeded',
  status: 429,
});

class InsufficientFunds extends Error {
  constructor(readonly balance: number) {
    super(`balance ${balance}`);
  }
}
class Overdrawn extends InsufficientFunds {}

const problems = problemRegistry([OutOfCredit, Quota]).map(InsufficientFunds, (error) =>
  OutOfCredit.error({ detail: 'Top up first.', extensions: { balance: error.balance } }),
);

describe('problemRegistry', () => {
  it('looks types up by URI', () => {
    expect(problems.lookup('https://example.com/probs/quota')).toBe(Quota);
    expect(problems.lookup('https://example.com/probs/other')).toBeUndefined();
    expect(problems.types).toEqual([OutOfCredit, Quota]);
  });

  it('server: maps error classes (and subclasses) to their problems; others as toProblemResponse does', async () => {
    const mapped = problems.toProblemResponse(new Overdrawn(30));
    expect(mapped.status).toBe(403);
    expect(await mapped.json()).toEqual({
      type: 'https://example.com/probs/out-of-credit',
      title: 'You do not have enough credit.',
      status: 403,
      detail: 'Top up first.',
      balance: 30,
    });
    const other = problems.toProblemResponse(new Error('db password=hunter2'));
    expect(other.status).toBe(500);
    expect(await other.text()).not.toContain('hunter2');
  });

  it('client: match calls the handler of the registered type, with typed extensions; `_` for the rest', async () => {
    const describeError = (error: unknown) =>
      problems.match(error, {
        'https://example.com/probs/out-of-credit': (e) => `balance ${e.extensions.balance}`,
        'https://example.com/probs/quota': () => 'slow down',
        _: (e) => `other: ${e instanceof Error ? e.message : String(e)}`,
      });
    expect(describeError(OutOfCredit.error({ extensions: { balance: 12 } }))).toBe('balance 12');
    expect(describeError(Quota.error())).toBe('slow down');
    // The right URI with extensions that fail the type's schema is not that problem.
    const forged = new ProblemDetailsError({
      type: 'https://example.com/probs/out-of-credit',
      title: undefined,
      status: 403,
      detail: undefined,
      instance: undefined,
      extensions: { balance: 'lots' },
    });
    expect(describeError(forged)).toMatch(/^other: 403/);
    expect(describeError(new Error('boom'))).toBe('other: boom');
    expect(describeError(null)).toBe('other: null');
    const error = await ProblemDetailsError.fromResponse(Quota.response());
    expect(describeError(error)).toBe('slow down');
  });

  it('refuses two types with one URI', () => {
    expect(() => problemRegistry([Quota, Quota])).toThrow(InvalidProblemOptionError);
  });
});
