import { isBraceError, SafeCause } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { InvalidProblemOptionError, ProblemDetailsError } from './errors.js';
import { parseProblemDetails } from './parse.js';

describe('ProblemDetailsError', () => {
  it('reads well in a log line', () => {
    const problem = parseProblemDetails(
      {
        type: 'https://example.com/probs/quota',
        detail: 'You have exceeded your quota',
      },
      { status: 429 },
    );
    const error = new ProblemDetailsError(problem);
    expect(error.message).toBe(
      '429 Too Many Requests: You have exceeded your quota [https://example.com/probs/quota]',
    );
    expect(error.code).toBe('PROBLEM_DETAILS');
    expect(error.name).toBe('ProblemDetailsError');
    expect(isBraceError(error, 'PROBLEM_DETAILS')).toBe(true);
  });

  it('uses the title when there is one, omits an about:blank type and an empty detail', () => {
    const titled = new ProblemDetailsError(
      parseProblemDetails({ title: 'Quota exceeded', type: 'urn:q', status: 429 }),
    );
    expect(titled.message).toBe('429 Quota exceeded [urn:q]');
    const blank = new ProblemDetailsError(parseProblemDetails({ detail: '' }, { status: 404 }));
    expect(blank.message).toBe('404 Not Found');
  });

  it('falls back to the response status, then to a bare word', () => {
    const fromResponse = new ProblemDetailsError(parseProblemDetails({}), {
      response: { status: 502, headers: new Headers() },
    });
    expect(fromResponse.message).toBe('502 Bad Gateway');
    expect(fromResponse.status).toBe(502);
    expect(new ProblemDetailsError(parseProblemDetails({})).message).toBe('Problem');
    expect(new ProblemDetailsError(parseProblemDetails({ title: 'T' })).message).toBe('T');
    const odd = new ProblemDetailsError({ type: 'about:blank', status: 1000, extensions: {} });
    expect(odd.message).toBe('1000 Problem');
  });

  it('flattens control characters and shortens long parts', () => {
    const error = new ProblemDetailsError(
      parseProblemDetails({ detail: `line1\r\nline2${'x'.repeat(500)}` }, { status: 400 }),
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.startsWith('400 Bad Request: line1  line2')).toBe(true);
    expect(error.message.endsWith('…')).toBe(true);
    expect(error.message.length).toBeLessThan(260);
  });

  it('keeps the response, the request method and a credential-free URL, and the cause', () => {
    const cause = new Error('HTTPError');
    const headers = new Headers({ 'retry-after': '5' });
    const error = new ProblemDetailsError(parseProblemDetails({ status: 429 }), {
      response: { status: 429, headers },
      request: { method: 'POST', url: 'https://user:pw@api.test/v1/x?api_key=secret#frag' },
      cause,
    });
    expect(error.responseStatus).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('5');
    expect(error.method).toBe('POST');
    expect(error.url).toBe('https://api.test/v1/x');
    expect(error.cause).toMatchObject({ name: 'Error', message: 'HTTPError' });
    expect(error.cause).toBeInstanceOf(SafeCause);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('secret');
    const bad = new ProblemDetailsError(parseProblemDetails({}), {
      request: { method: 'GET', url: 'relative/only' },
    });
    expect(bad.url).toBeUndefined();
    expect('cause' in new ProblemDetailsError(parseProblemDetails({}))).toBe(false);
  });

  it('gives its problem back', () => {
    const problem = parseProblemDetails({
      type: 'urn:a',
      title: 't',
      status: 409,
      detail: 'd',
      instance: 'urn:i',
      n: 1,
    });
    expect(new ProblemDetailsError(problem).toProblem()).toEqual(problem);
  });
});

describe('InvalidProblemOptionError', () => {
  it('names the option and the range, never the value unless it is a number', () => {
    const error = new InvalidProblemOptionError('status', 'an integer from 400 to 599', 200);
    expect(error.code).toBe('PROBLEM_DETAILS_INVALID_OPTION');
    expect(error.option).toBe('status');
    expect(error.message).toContain('an integer from 400 to 599');
    expect(error.message).toContain('200');
    expect(new InvalidProblemOptionError('type', 'x', 'sk_live_123').message).not.toContain(
      'sk_live',
    );
  });
});
