import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidProblemOptionError, ProblemDetailsError } from './errors.js';
import { parseProblemDetails } from './parse.js';
import { defineProblemType, isProblem } from './problem-type.js';
import type { StandardSchemaV1 } from './standard-schema.js';

const OutOfCredit = defineProblemType({
  type: 'https://example.com/probs/out-of-credit',
  title: 'You do not have enough credit.',
  status: 403,
  extensions: z.object({ balance: z.number(), accounts: z.array(z.string()) }),
});

describe('defineProblemType', () => {
  it('produces the RFC 9457 §3 example on the server', async () => {
    const response = OutOfCredit.response(
      {
        detail: 'Your current balance is 30, but that costs 50.',
        instance: '/account/12345/msgs/abc',
        extensions: { balance: 30, accounts: ['/account/12345', '/account/67890'] },
      },
      { 'content-language': 'en' },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('content-language')).toBe('en');
    expect(await response.json()).toEqual({
      type: 'https://example.com/probs/out-of-credit',
      title: 'You do not have enough credit.',
      status: 403,
      detail: 'Your current balance is 30, but that costs 50.',
      instance: '/account/12345/msgs/abc',
      balance: 30,
      accounts: ['/account/12345', '/account/67890'],
    });
  });

  it('makes errors for servers to throw, and plain problems', () => {
    const error = OutOfCredit.error({ extensions: { balance: 1, accounts: [] } });
    expect(error).toBeInstanceOf(ProblemDetailsError);
    expect(error.message).toBe(
      '403 You do not have enough credit. [https://example.com/probs/out-of-credit]',
    );
    const Plain = defineProblemType({ type: 'urn:plain', title: 'Plain', status: 409 });
    expect(Plain.create()).toEqual({
      type: 'urn:plain',
      title: 'Plain',
      status: 409,
      detail: undefined,
      instance: undefined,
      extensions: {},
    });
    expect(Plain.extensions).toBeUndefined();
  });

  it('rejects bad definitions at once', () => {
    expect(() => defineProblemType({ type: '', title: 't', status: 400 })).toThrow(
      InvalidProblemOptionError,
    );
    expect(() => defineProblemType({ type: 'urn:x', title: 't', status: 200 })).toThrow(/status/);
    expect(() =>
      defineProblemType({
        type: 'urn:x',
        title: 't',
        status: 400,
        extensions: {} as StandardSchemaV1,
      }),
    ).toThrow(/extensions/);
  });
});

describe('isProblem', () => {
  const received = (doc: unknown) =>
    new ProblemDetailsError(parseProblemDetails(doc, { status: 403 }));

  it('matches the type and validates the extensions', () => {
    const good = received({
      type: 'https://example.com/probs/out-of-credit',
      balance: 30,
      accounts: ['/account/12345'],
    });
    expect(isProblem(good, OutOfCredit)).toBe(true);
    if (isProblem(good, OutOfCredit)) expect(good.extensions.balance + 1).toBe(31);
    const wrongShape = received({ type: 'https://example.com/probs/out-of-credit', balance: '30' });
    expect(isProblem(wrongShape, OutOfCredit)).toBe(false);
    expect(isProblem(received({ type: 'urn:other', balance: 1, accounts: [] }), OutOfCredit)).toBe(
      false,
    );
    expect(isProblem(new Error('x'), OutOfCredit)).toBe(false);
    expect(isProblem(undefined, OutOfCredit)).toBe(false);
    const Plain = defineProblemType({ type: 'urn:plain', title: 'Plain', status: 409 });
    expect(isProblem(received({ type: 'urn:plain' }), Plain)).toBe(true);
  });

  it('refuses an asynchronous schema with a typed error', () => {
    const Async = defineProblemType({
      type: 'urn:async',
      title: 'Async',
      status: 400,
      extensions: z.object({ a: z.string() }).refine(async () => true),
    });
    expect(() => isProblem(received({ type: 'urn:async', a: 'x' }), Async)).toThrow(
      InvalidProblemOptionError,
    );
  });
});
