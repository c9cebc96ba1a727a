import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProblemDetailsError } from './errors.js';
import { problemDetailsHandler, problemNotFoundHandler } from './hono.js';
import { problemDetailsHooks } from './ky.js';
import { defineProblemType, isProblem } from './problem-type.js';
import { type Running, serveFetch } from './test-utils/serve.js';

const Quota = defineProblemType({
  type: 'https://example.com/probs/quota',
  title: 'Too Many Requests',
  status: 429,
  extensions: z.object({ limit: z.number() }),
});

const logged: unknown[] = [];
const app = new Hono();
app.onError(problemDetailsHandler({ onError: ({ error }) => logged.push(error) }));
app.notFound(problemNotFoundHandler());
app.get('/quota', () => {
  throw Quota.error({ detail: 'You have exceeded your quota', extensions: { limit: 100 } });
});
app.get('/missing', () => {
  throw new HTTPException(404, { message: 'No order 7' });
});
app.get('/crash', () => {
  throw new Error('SELECT * FROM users WHERE password = hunter2');
});
app.post('/orders', async (c) => {
  const order = z.object({ qty: z.number().int().positive() }).parse(await c.req.json());
  return c.json(order, 201);
});

let server: Running;
let api: typeof ky;
beforeAll(async () => {
  server = await serveFetch(app.fetch);
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

describe('problemDetailsHandler (Hono, real server)', () => {
  it('sends a thrown problem type as it is, and the client reads it typed', async () => {
    const error = await failure(api.get('quota').json());
    expect(error.message).toBe(
      '429 Too Many Requests: You have exceeded your quota [https://example.com/probs/quota]',
    );
    expect(isProblem(error, Quota) && error.extensions.limit).toBe(100);
    expect(error.headers?.get('content-type')).toBe('application/problem+json');
  });

  it('keeps HTTPException statuses and messages', async () => {
    const error = await failure(api.get('missing').json());
    expect(error.responseStatus).toBe(404);
    expect(error.detail).toBe('No order 7');
    expect(error.type).toBe('about:blank');
  });

  it('hides 5xx messages but reports them to onError', async () => {
    const response = await ky.get(`${server.url}/crash`, { retry: 0, throwHttpErrors: false });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
    expect(logged.some((e) => e instanceof Error && e.message.includes('hunter2'))).toBe(true);
  });

  it('renders zod errors as 422 with JSON Pointers', async () => {
    const error = await failure(api.post('orders', { json: { qty: -2 } }).json());
    expect(error.responseStatus).toBe(422);
    expect(error.extensions.errors).toEqual([{ detail: expect.any(String), pointer: '#/qty' }]);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const error = await failure(api.get('nowhere').json());
    expect(error.message).toBe('404 Not Found');
  });

  it('rejects bad options when the handler is made', () => {
    expect(() => problemDetailsHandler({ validationStatus: 99 })).toThrow(/validationStatus/);
  });
});
