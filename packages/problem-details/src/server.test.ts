import { BraceError } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidProblemOptionError, ProblemDetailsError } from './errors.js';
import { parseProblemDetails } from './parse.js';
import {
  checkProblemOptions,
  problem,
  problemDocument,
  problemFromError,
  toProblemResponse,
  validationProblem,
} from './server.js';

async function body(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('problem()', () => {
  it('reproduces the RFC 9457 §3 out-of-credit response', async () => {
    const response = problem(
      {
        type: 'https://example.com/probs/out-of-credit',
        title: 'You do not have enough credit.',
        status: 403,
        detail: 'Your current balance is 30, but that costs 50.',
        instance: '/account/12345/msgs/abc',
        extensions: { balance: 30, accounts: ['/account/12345', '/account/67890'] },
      },
      { 'content-language': 'en' },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('content-language')).toBe('en');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      type: 'https://example.com/probs/out-of-credit',
      title: 'You do not have enough credit.',
      status: 403,
      detail: 'Your current balance is 30, but that costs 50.',
      instance: '/account/12345/msgs/abc',
      balance: 30,
      accounts: ['/account/12345', '/account/67890'],
    });
    expect(Object.keys(JSON.parse(text)).slice(0, 5)).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'instance',
    ]);
  });

  it('defaults to a 500 about:blank titled with the status phrase', async () => {
    const response = problem({});
    expect(response.status).toBe(500);
    expect(await body(response)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
    expect(await body(problem({ status: 404, type: 'urn:x' }))).toEqual({
      type: 'urn:x',
      status: 404,
    });
  });

  it('keeps a given content-type and drops clashing or unsafe extension names', async () => {
    const extensions = JSON.parse(
      '{"status":200,"type":"x","__proto__":{"a":1},"constructor":1,"prototype":2,"ok":true}',
    ) as Record<string, unknown>;
    const response = problem(
      { status: 400, extensions },
      { 'content-type': 'application/problem+json; charset=utf-8' },
    );
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await body(response)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      ok: true,
    });
  });

  it('rejects statuses outside 400–599 at the call', () => {
    for (const status of [200, 399, 600, 404.5]) {
      expect(() => problem({ status })).toThrow(InvalidProblemOptionError);
    }
  });

  it('round-trips through parseProblemDetails', async () => {
    const init = {
      type: 'urn:t',
      title: 'T',
      status: 409,
      detail: 'd',
      instance: 'urn:i',
      extensions: { n: 1 },
    };
    const parsed = parseProblemDetails(await body(problem(init)));
    expect(parsed).toEqual(init);
    expect(problemDocument(parsed)).toEqual({
      type: 'urn:t',
      title: 'T',
      status: 409,
      detail: 'd',
      instance: 'urn:i',
      n: 1,
    });
  });
});

describe('validationProblem()', () => {
  it('reproduces the RFC 9457 §3 validation example from zod issues', async () => {
    const schema = z.object({
      age: z.number().int().positive({ error: 'must be a positive integer' }),
      profile: z.object({
        color: z.enum(['green', 'red', 'blue'], { error: "must be 'green', 'red' or 'blue'" }),
      }),
    });
    const result = schema.safeParse({ age: -1, profile: { color: 'pink' } });
    expect(result.success).toBe(false);
    const response = problem(
      validationProblem(result.error?.issues ?? [], {
        type: 'https://example.net/validation-error',
        title: 'Your request is not valid.',
        // The schema's own messages, written by us: safe to show as they are.
        issueDetail: (issue) => issue.message,
      }),
    );
    expect(response.status).toBe(422);
    expect(await body(response)).toEqual({
      type: 'https://example.net/validation-error',
      title: 'Your request is not valid.',
      status: 422,
      errors: [
        { detail: 'must be a positive integer', pointer: '#/age' },
        { detail: "must be 'green', 'red' or 'blue'", pointer: '#/profile/color' },
      ],
    });
    // By default the details come from the issues' codes and expected values.
    expect(validationProblem(result.error?.issues ?? []).extensions.errors).toEqual([
      { detail: 'must be > 0', pointer: '#/age' },
      { detail: 'expected one of "green" | "red" | "blue"', pointer: '#/profile/color' },
    ]);
  });

  it('defaults to 422 Unprocessable Content and supports plain JSON Pointers', () => {
    const made = validationProblem([{ message: 'bad', path: ['a/b'] }], { pointerStyle: 'json' });
    expect(made).toMatchObject({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
    });
    expect(made.extensions.errors).toEqual([{ detail: 'is invalid', pointer: '/a~1b' }]);
    expect(validationProblem([], { status: 400, type: 'urn:v' }).title).toBeUndefined();
    expect(() => validationProblem([], { status: 302 })).toThrow(InvalidProblemOptionError);
  });
});

describe('toProblemResponse()', () => {
  it('never leaks a 5xx message or stack by default', async () => {
    const error = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    const response = toProblemResponse(error);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ECONNREFUSED');
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
  });

  it('shows the message and stack only when asked', async () => {
    const error = new Error('boom');
    const shown = await body(toProblemResponse(error, { expose: true, exposeStack: true }));
    expect(shown.detail).toBe('boom');
    expect(String(shown.stack)).toContain('Error: boom');
    const stackOnly = await body(toProblemResponse(error, { exposeStack: true }));
    expect(stackOnly.detail).toBeUndefined();
    expect(stackOnly.stack).toBeDefined();
    expect((await body(toProblemResponse('text', { exposeStack: true }))).stack).toBeUndefined();
  });

  it('keeps 4xx statuses (HTTPException, http-errors) and shows their messages', async () => {
    const notFound = Object.assign(new Error('No such order'), { status: 404 });
    expect(await body(toProblemResponse(notFound))).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No such order',
    });
    const hidden = Object.assign(new Error('secret'), { statusCode: 401, expose: false });
    const hiddenBody = await body(toProblemResponse(hidden));
    expect(hiddenBody).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401 });
    const unavailable = Object.assign(new Error('db down at 10.0.0.5'), { status: 503 });
    expect(await body(toProblemResponse(unavailable))).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
    });
    const empty = Object.assign(new Error(''), { status: 400 });
    expect((await body(toProblemResponse(empty))).detail).toBeUndefined();
    const weird = Object.assign(new Error('x'), { status: 200, statusCode: 'x' });
    expect(toProblemResponse(weird).status).toBe(500);
  });

  it('turns zod errors into 422 validation problems, but not ky response-schema errors', async () => {
    const result = z.object({ email: z.email() }).safeParse({ email: 'nope' });
    const response = toProblemResponse(result.error);
    expect(response.status).toBe(422);
    const doc = await body(response);
    expect(doc.errors).toEqual([{ detail: expect.any(String), pointer: '#/email' }]);
    expect(JSON.stringify(doc)).not.toContain('nope');
    const custom = toProblemResponse(result.error, { validationStatus: 400, pointerStyle: 'json' });
    expect(custom.status).toBe(400);
    expect(((await body(custom)).errors as Array<{ pointer: string }>)[0]?.pointer).toBe('/email');
    const kySchema = Object.assign(new Error('Response schema validation failed'), {
      name: 'SchemaValidationError',
      issues: [{ message: 'x' }],
    });
    expect(toProblemResponse(kySchema).status).toBe(500);
    const notIssues = Object.assign(new Error('x'), { issues: ['a'] });
    expect(toProblemResponse(notIssues).status).toBe(500);
  });

  it('sends problems made on this server as they are; relays upstream problems as 502', async () => {
    const made = new ProblemDetailsError(
      parseProblemDetails({
        type: 'urn:quota',
        title: 'Quota',
        status: 429,
        detail: 'later',
        left: 0,
      }),
    );
    expect(await body(toProblemResponse(made))).toEqual({
      type: 'urn:quota',
      title: 'Quota',
      status: 429,
      detail: 'later',
      left: 0,
    });
    const statusless = new ProblemDetailsError(parseProblemDetails({ type: 'urn:x' }));
    expect(toProblemResponse(statusless).status).toBe(500);
    const upstream = new ProblemDetailsError(parseProblemDetails({ detail: 'upstream secret' }), {
      response: { status: 429, headers: new Headers() },
    });
    const relayed = await body(toProblemResponse(upstream));
    expect(relayed).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502 });
    expect((await body(toProblemResponse(upstream, { expose: true }))).detail).toBe(
      '429 Too Many Requests: upstream secret',
    );
  });

  it('treats schema failures of this server’s own outgoing calls as 500s, not 422s', async () => {
    // @brace/schema-guard's ResponseSchemaError: issues and status describe the other API.
    const drifted = Object.assign(new BraceError('SCHEMA_GUARD_RESPONSE_INVALID', 'drifted'), {
      issues: [{ message: 'Invalid input: expected string', path: ['internal', 'dbHost'] }],
      status: 404,
    });
    const response = toProblemResponse(drifted);
    expect(response.status).toBe(500);
    expect(JSON.stringify(await body(response))).not.toMatch(/dbHost|drifted/);
    expect((await body(toProblemResponse(drifted, { expose: true }))).detail).toBe('drifted');
    const unsent = Object.assign(new BraceError('SCHEMA_GUARD_REQUEST_INVALID', 'bad body'), {
      issues: [{ message: 'x', path: ['a'] }],
    });
    expect(toProblemResponse(unsent).status).toBe(500);
    // Other Brace errors keep their status (webhook-verify's are meant for the client).
    const webhook = Object.assign(new BraceError('WEBHOOK_SIGNATURE_INVALID', 'bad sig'), {
      status: 401,
    });
    expect(toProblemResponse(webhook).status).toBe(401);
  });

  it('adds the stack to a copy, never to the thrown error’s own extensions', () => {
    const made = new ProblemDetailsError(parseProblemDetails({ type: 'urn:x', status: 409 }));
    expect(problemFromError(made, { exposeStack: true }).extensions.stack).toBe(made.stack);
    expect(made.extensions.stack).toBeUndefined();
    expect(problemFromError(made).extensions.stack).toBeUndefined();
  });

  it('treats non-objects as 500 and reports every error to onError, ignoring its throws', () => {
    const seen: unknown[] = [];
    const response = toProblemResponse(null, {
      onError: (event) => {
        seen.push(event.error, event.problem.status);
        throw new Error('logger down');
      },
    });
    expect(response.status).toBe(500);
    expect(seen).toEqual([null, 500]);
    expect(problemFromError(42).status).toBe(500);
  });
});

describe('checkProblemOptions()', () => {
  it('rejects out-of-range options, naming them', () => {
    expect(() => checkProblemOptions({ validationStatus: 200 })).toThrow(/validationStatus/);
    expect(() => checkProblemOptions({ pointerStyle: 'xpath' as 'json' })).toThrow(/pointerStyle/);
    expect(() =>
      checkProblemOptions({ validationStatus: 400, pointerStyle: 'json' }),
    ).not.toThrow();
    expect(() => checkProblemOptions(undefined)).not.toThrow();
  });
});
