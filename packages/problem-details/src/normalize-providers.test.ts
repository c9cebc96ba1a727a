// normalizeProblem on the error bodies of large APIs, as their documentation shows them.
import { describe, expect, it } from 'vitest';
import { normalizeProblem } from './normalize.js';

function plain(extensions: object): object {
  return { ...extensions };
}

describe('normalizeProblem: documented provider error bodies', () => {
  it('Google APIs (AIP-193): error.status as code, details kept', () => {
    const body = {
      error: {
        code: 429,
        message: "Quota exceeded for quota metric 'Queries' of service 'pubsub.googleapis.com'.",
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            domain: 'googleapis.com',
            metadata: { service: 'pubsub.googleapis.com' },
          },
        ],
      },
    };
    const problem = normalizeProblem(body, { status: 429 });
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Too Many Requests', status: 429 });
    expect(problem.detail).toBe(body.error.message);
    expect(plain(problem.extensions)).toEqual({
      code: 'RESOURCE_EXHAUSTED',
      details: body.error.details,
    });
    expect(
      normalizeProblem({ error: { status: 'INTERNAL' } }, { status: 500 }).detail,
    ).toBeUndefined();
  });

  it('AWS JSON protocols: __type with message or Message', () => {
    const dynamo = normalizeProblem(
      {
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found',
      },
      { status: 400 },
    );
    expect(dynamo.detail).toBe('Requested resource not found');
    expect(plain(dynamo.extensions)).toEqual({
      code: 'ResourceNotFoundException',
      awsType: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
    });
    const capital = normalizeProblem(
      { __type: 'ValidationException', Message: '1 validation error detected' },
      { status: 400 },
    );
    expect(capital.detail).toBe('1 validation error detected');
    expect(capital.extensions.code).toBe('ValidationException');
    expect(
      normalizeProblem({ __type: 'ThrottlingException' }, { status: 400 }).detail,
    ).toBeUndefined();
    // restJson1 services may append `:` and a URL; the SDKs drop it (SanitizeErrorCode).
    const suffixed = normalizeProblem(
      {
        __type:
          'aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/',
        message: 'x',
      },
      { status: 400 },
    );
    expect(suffixed.extensions.code).toBe('FooError');
    expect(
      normalizeProblem({ __type: 'FooError:http://internal.amazon.com/x' }, { status: 400 })
        .extensions.code,
    ).toBe('FooError');
  });

  it('Twilio: code, message, more_info', () => {
    const problem = normalizeProblem(
      {
        code: 20404,
        message:
          'The requested resource /2010-04-01/Accounts/ACXXX/Messages/SMXXX.json was not found',
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      },
      { status: 404 },
    );
    expect(problem).toMatchObject({ status: 404, title: 'Not Found' });
    expect(problem.detail).toMatch(/was not found$/);
    expect(plain(problem.extensions)).toEqual({
      code: 20404,
      moreInfo: 'https://www.twilio.com/docs/errors/20404',
    });
  });

  it('JSON:API: the first error’s detail (or title), its code, the list', () => {
    const errors = [
      {
        status: '422',
        code: 'too_short',
        source: { pointer: '/data/attributes/firstName' },
        title: 'Invalid Attribute',
        detail: 'First name must contain at least two characters.',
      },
      { status: '422', title: 'Invalid Attribute' },
    ];
    const problem = normalizeProblem({ errors }, { status: 422 });
    expect(problem.detail).toBe('First name must contain at least two characters.');
    expect(plain(problem.extensions)).toEqual({ code: 'too_short', errors });
    expect(normalizeProblem({ errors: [{ title: 'Forbidden' }] }, { status: 403 }).detail).toBe(
      'Forbidden',
    );
  });

  it('GraphQL: the first message, extensions.code, the list', () => {
    const errors = [
      {
        message: 'Name for character with ID 1002 could not be fetched.',
        locations: [{ line: 6, column: 7 }],
        path: ['hero', 'heroFriends', 1, 'name'],
        extensions: { code: 'CAN_NOT_FETCH_BY_ID', timestamp: 'Fri Feb 9 14:33:09 UTC 2018' },
      },
    ];
    const problem = normalizeProblem({ errors, data: { hero: null } }, { status: 200 });
    expect(problem.detail).toBe('Name for character with ID 1002 could not be fetched.');
    expect(plain(problem.extensions)).toEqual({ code: 'CAN_NOT_FETCH_BY_ID', errors });
    const bare = normalizeProblem({ errors: [{ message: 'Syntax Error' }] }, { status: 400 });
    expect(plain(bare.extensions)).toEqual({ errors: [{ message: 'Syntax Error' }] });
  });

  it('an errors list of another shape stays unmapped', () => {
    expect(plain(normalizeProblem({ errors: ['x'] }, { status: 400 }).extensions)).toEqual({});
    expect(plain(normalizeProblem({ errors: [{ foo: 1 }] }, { status: 400 }).extensions)).toEqual(
      {},
    );
    expect(
      plain(normalizeProblem({ success: false, errors: [{ foo: 1 }] }, { status: 400 }).extensions),
    ).toEqual({
      errors: [{ foo: 1 }],
    });
  });
});
