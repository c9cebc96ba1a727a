import { createServer } from 'node:http';
import { BraceError } from '@brace/core';
import express from 'express';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHeaders } from './error-headers.js';
import { problemDetailsMiddleware } from './express.js';
import { problemDetailsHandler } from './hono.js';
import { listen, type Running, serveFetch } from './test-utils/serve.js';

const hono = new Hono();
hono.onError(problemDetailsHandler());
hono.use('/private/*', bearerAuth({ token: 'secret-token' }));
hono.get('/private/data', (c) => c.json({ ok: true }));
hono.get('/slow-down', () => {
  throw new HTTPException(429, {
    message: 'Slow down',
    res: new Response('{"x":1}', {
      headers: { 'retry-after': '7', 'content-type': 'application/json' },
    }),
  });
});

const app = express();
app.get('/method', () => {
  throw Object.assign(new Error('Method Not Allowed'), {
    status: 405,
    expose: true,
    headers: { Allow: 'GET, HEAD', 'Set-Cookie': ['a=1', 'b=2'], 'Content-Length': '999' },
  });
});
app.use(problemDetailsMiddleware());

let honoServer: Running;
let expressServer: Running;
beforeAll(async () => {
  honoServer = await serveFetch(hono.fetch);
  expressServer = await listen(createServer(app));
});
afterAll(async () => {
  await honoServer.close();
  await expressServer.close();
});

describe('headers a thrown error carries (real servers)', () => {
  it('Hono: bearerAuth’s 401 keeps WWW-Authenticate (RFC 9110 §11.6.1 requires it)', async () => {
    const res = await fetch(`${honoServer.url}/private/data`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm=""');
    expect(await res.json()).toMatchObject({ type: 'about:blank', status: 401 });
  });

  it('Hono: an HTTPException’s res headers are kept, its body headers are not', async () => {
    const res = await fetch(`${honoServer.url}/slow-down`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 429, detail: 'Slow down' });
  });

  it('Express: an http-errors headers record is sent (Allow on a 405, every Set-Cookie)', async () => {
    const res = await fetch(`${expressServer.url}/method`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 405, detail: 'Method Not Allowed' });
  });
});

describe('errorHeaders()', () => {
  it('reads http-errors records: strings, numbers and arrays; drops body and invalid headers', () => {
    const headers = errorHeaders({
      headers: {
        'Retry-After': 30,
        Vary: ['Accept', 'Origin'],
        'Content-Type': 'text/plain',
        'Transfer-Encoding': 'chunked',
        'bad name': 'x',
        'X-Bad-Value': 'a\nb',
        'X-Object': { no: 1 },
      },
    });
    expect([...(headers ?? [])]).toEqual([
      ['retry-after', '30'],
      ['vary', 'Accept, Origin'],
    ]);
  });

  it('has nothing for errors without headers, non-objects and Brace errors', () => {
    expect(errorHeaders(new Error('x'))).toBeUndefined();
    expect(errorHeaders(null)).toBeUndefined();
    expect(errorHeaders('boom')).toBeUndefined();
    expect(errorHeaders({ headers: new Headers({ a: '1' }) })).toBeUndefined();
    // e.g. a ProblemDetailsError: its headers came from an upstream response.
    const upstream = Object.assign(new BraceError('PROBLEM_DETAILS', 'x'), {
      headers: { 'set-cookie': 'upstream=1' },
    });
    expect(errorHeaders(upstream)).toBeUndefined();
  });
});
