import { createServer } from 'node:http';
import express from 'express';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProblemDetailsError } from './errors.js';
import { problemDetailsMiddleware } from './express.js';
import { problemDetailsHooks } from './ky.js';
import { defineProblemType, isProblem } from './problem-type.js';
import { listen, type Running } from './test-utils/serve.js';

const OutOfCredit = defineProblemType({
  type: 'https://example.com/probs/out-of-credit',
  title: 'You do not have enough credit.',
  status: 403,
  extensions: z.object({ balance: z.number() }),
});

const app = express();
app.use(express.json());
app.get('/credit', () => {
  throw OutOfCredit.error({ detail: 'Balance 30, cost 50.', extensions: { balance: 30 } });
});
app.get('/crash', async () => {
  throw new Error('redis://:hunter2@10.0.0.5 unreachable');
});
app.post('/orders', (req, res) => {
  res.status(201).json(z.object({ items: z.array(z.object({ sku: z.string() })) }).parse(req.body));
});
app.get('/late', (_req, res, next) => {
  res.status(200).write('partial');
  next(new Error('after headers'));
});
app.use(problemDetailsMiddleware({ exposeStack: false }));

let server: Running;
let api: typeof ky;
beforeAll(async () => {
  server = await listen(createServer(app));
  api = ky.create({ prefix: server.url, retry: 0, hooks: problemDetailsHooks() });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<ProblemDetailsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemDetailsError) return error;
    throw error;
  }
  throw new Error('expected a problem');
}

describe('problemDetailsMiddleware (Express, real server)', () => {
  it('sends a thrown problem type, read back typed by ky', async () => {
    const error = await failure(api.get('credit').json());
    expect(isProblem(error, OutOfCredit) && error.extensions.balance).toBe(30);
    expect(error.headers?.get('content-type')).toBe('application/problem+json');
    expect(error.responseStatus).toBe(403);
  });

  it('hides 5xx messages (async handlers too)', async () => {
    const response = await ky.get(`${server.url}/crash`, { retry: 0, throwHttpErrors: false });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
  });

  it('renders zod errors as 422 with JSON Pointers into arrays', async () => {
    const error = await failure(
      api.post('orders', { json: { items: [{ sku: 'a' }, { sku: 7 }] } }).json(),
    );
    expect(error.responseStatus).toBe(422);
    expect(error.extensions.errors).toEqual([
      { detail: expect.any(String), pointer: '#/items/1/sku' },
    ]);
  });

  it('keeps body-parser statuses (http-errors with expose)', async () => {
    const error = await failure(
      api
        .post('orders', { body: '{"items": [', headers: { 'content-type': 'application/json' } })
        .json(),
    );
    expect(error.responseStatus).toBe(400);
    expect(error.title).toBe('Bad Request');
    expect(typeof error.detail).toBe('string');
  });

  it('never echoes a malformed JSON body: body-parser’s SyntaxError quotes the input', async () => {
    for (const body of [
      '{"password": hunter2-SECRET}',
      '{"card": "4242", SECRET-TAIL',
      'SECRET-ONLY',
    ]) {
      const response = await fetch(`${server.url}/orders`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).not.toContain('SECRET');
      expect(JSON.parse(text)).toMatchObject({
        title: 'Bad Request',
        detail: 'The request body could not be parsed.',
      });
    }
  });

  it('defers to Express once headers are sent', async () => {
    const response = await fetch(`${server.url}/late`).catch((e: unknown) => e);
    if (response instanceof Response) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).not.toBe('application/problem+json');
      await response.text().catch(() => undefined);
    } else {
      expect(response).toBeInstanceOf(Error);
    }
  });

  it('rejects bad options when the middleware is made', () => {
    expect(() => problemDetailsMiddleware({ pointerStyle: 'x' as 'json' })).toThrow(/pointerStyle/);
  });
});
