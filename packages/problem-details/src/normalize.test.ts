import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProblemJson, mediaType, normalizeProblem } from './normalize.js';

describe('normalizeProblem', () => {
  const options = { status: 402, baseUrl: 'https://api.test/v1/charges' };

  it('maps a Stripe-like body', () => {
    const body = {
      error: {
        message: 'Your card was declined.',
        type: 'card_error',
        code: 'card_declined',
        param: 'source',
        decline_code: 'generic_decline',
      },
    };
    expect(normalizeProblem(body, options)).toEqual({
      type: 'about:blank',
      title: 'Payment Required',
      status: 402,
      detail: 'Your card was declined.',
      instance: undefined,
      extensions: { code: 'card_declined', errorType: 'card_error', param: 'source' },
    });
    expect(normalizeProblem({ error: { code: 7 } }, options)).toMatchObject({
      detail: undefined,
      extensions: { code: 7 },
    });
  });

  it('maps { success: false, message } and { success: false, errors }', () => {
    expect(
      normalizeProblem({ success: false, message: 'Not allowed', code: 1003 }, { status: 403 }),
    ).toMatchObject({
      title: 'Forbidden',
      detail: 'Not allowed',
      extensions: { code: 1003 },
    });
    const errors = [{ code: 10000, message: 'Authentication error' }];
    expect(normalizeProblem({ success: false, errors }, { status: 403 })).toMatchObject({
      detail: 'Authentication error',
      extensions: { errors, code: 10000 },
    });
  });

  it('maps a GitHub-like body', () => {
    const errors = [{ resource: 'Issue', field: 'title', code: 'missing_field' }];
    expect(
      normalizeProblem(
        {
          message: 'Validation Failed',
          errors,
          documentation_url: 'https://docs.github.com/rest',
          status: '422',
        },
        { status: 422 },
      ),
    ).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'Validation Failed',
      instance: undefined,
      extensions: { errors, documentationUrl: 'https://docs.github.com/rest' },
    });
  });

  it('maps OAuth 2 error responses (RFC 6749 §5.2)', () => {
    expect(
      normalizeProblem(
        {
          error: 'invalid_grant',
          error_description: 'The authorization code has expired',
          error_uri: 'https://as.test/errors/invalid_grant',
        },
        { status: 400 },
      ),
    ).toMatchObject({
      title: 'Bad Request',
      detail: 'The authorization code has expired',
      extensions: { code: 'invalid_grant', errorUri: 'https://as.test/errors/invalid_grant' },
    });
    expect(normalizeProblem({ error: 'invalid_client' }, { status: 401 })).toMatchObject({
      detail: 'invalid_client',
      extensions: { code: 'invalid_client' },
    });
    const prose = normalizeProblem({ error: 'Something went wrong' }, { status: 500 });
    expect(prose.detail).toBe('Something went wrong');
    expect(prose.extensions).toEqual({});
    expect(normalizeProblem({ error: 'a\tb' }).extensions).toEqual({});
  });

  it('reads bodies that already look like problem details as such', () => {
    expect(normalizeProblem({ type: '/p', other: 1 }, options)).toMatchObject({
      type: 'https://api.test/p',
      extensions: { other: 1 },
    });
    expect(normalizeProblem({ title: 'T' }, options).title).toBe('T');
    expect(normalizeProblem({ detail: 'D' }, options)).toMatchObject({
      title: 'Payment Required',
      detail: 'D',
    });
  });

  it('makes everything else about:blank with the status phrase, and nothing of the body', () => {
    for (const body of [
      undefined,
      '<html>502 from nginx</html>',
      '',
      42,
      [1],
      {},
      { foo: 'bar' },
      { success: true },
    ]) {
      expect(normalizeProblem(body, { status: 502 })).toEqual({
        type: 'about:blank',
        title: 'Bad Gateway',
        status: 502,
        detail: undefined,
        instance: undefined,
        extensions: {},
      });
    }
  });

  it('never throws and never lets dangerous keys into extensions (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 100, max: 599 }), (body, status) => {
        const problem = normalizeProblem(body, { status });
        expect(Object.getPrototypeOf(problem.extensions)).toBeNull();
        expect(problem.type.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('tagged error bodies', () => {
  it('reads a top-level type tag beside a known shape as that shape, not a problem type', () => {
    const baseUrl = 'https://api.example.com/v1/messages';
    const tagged = normalizeProblem(
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      { status: 529, baseUrl },
    );
    expect(tagged).toMatchObject({ type: 'about:blank', status: 529, detail: 'Overloaded' });
    expect({ ...tagged.extensions }).toEqual({ errorType: 'overloaded_error' });
    const withMessage = normalizeProblem({ type: 'invalid', message: 'No' }, { baseUrl });
    expect(withMessage).toMatchObject({ type: 'about:blank', detail: 'No' });
    // A type with no known shape is still read as problem details.
    const bare = normalizeProblem({ type: '/probs/x', status: 409, errors: [] }, { baseUrl });
    expect(bare).toMatchObject({ type: 'https://api.example.com/probs/x', status: 409 });
  });
});

describe('media types', () => {
  it('compares without parameters or case', () => {
    expect(mediaType('Application/Problem+JSON ; charset=utf-8')).toBe('application/problem+json');
    expect(mediaType(null)).toBe('');
    expect(mediaType(undefined)).toBe('');
    expect(isProblemJson('application/problem+json')).toBe(true);
    expect(isProblemJson('application/json')).toBe(false);
  });
});
