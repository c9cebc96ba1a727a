import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ky, { HTTPError } from 'ky';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRoutes, RequestSchemaError, UnmatchedRouteError } from './index.js';
import { guard } from './ky.js';

let server: Server;
let base: string;
let answer: { status: number; body: string } = { status: 200, body: '{}' };
const seen: Array<{
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}> = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await once(server, 'close');
});
beforeEach(() => {
  seen.length = 0;
});

const User = z.object({ id: z.number(), name: z.string(), tags: z.array(z.string()).default([]) });
const routes = defineRoutes({
  'GET /users/:id/posts/:postId': {
    response: z.object({ title: z.string() }),
    errors: { 404: z.object({ title: z.string() }) },
  },
  'GET /search': {
    query: z.object({ q: z.string().min(1), page: z.number().optional() }),
    response: z.array(User),
  },
  'POST /teams/:teamId/members': {
    body: z.object({ name: z.string().min(1) }),
    headers: z.object({ 'x-tenant': z.string().regex(/^[a-z]+$/) }),
    response: User,
  },
});

describe('route() of the typed client', () => {
  it('fills params (encoded), resolves { ok, status, data } with the validated output', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/v1/`, retry: 0 }), routes);
    answer = { status: 200, body: '{"title":"Hello"}' };
    const result = await api.route('GET /users/:id/posts/:postId', {
      params: { id: 7, postId: 'a b/c' },
    });
    expect(result).toEqual({ ok: true, status: 200, data: { title: 'Hello' } });
    expect(seen[0]?.url).toBe('/v1/users/7/posts/a%20b%2Fc');
  });

  it('a declared error status resolves with its body; an undeclared one rejects with HTTPError', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/`, retry: 0 }), routes);
    answer = { status: 404, body: '{"title":"No such post"}' };
    const missing = await api.route('GET /users/:id/posts/:postId', {
      params: { id: 1, postId: 2 },
    });
    expect(missing).toEqual({ ok: false, status: 404, data: { title: 'No such post' } });
    answer = { status: 500, body: '{"title":"boom"}' };
    await expect(
      api.route('GET /users/:id/posts/:postId', { params: { id: 1, postId: 2 } }),
    ).rejects.toBeInstanceOf(HTTPError);
  });

  it('validates the query and the headers before sending; sends them when valid', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/`, retry: 0 }), routes);
    answer = { status: 200, body: '[{"id":1,"name":"Ada"}]' };
    const found = await api.route('GET /search', { query: { q: 'ada', page: 2 } });
    expect(found).toEqual({ ok: true, status: 200, data: [{ id: 1, name: 'Ada', tags: [] }] });
    expect(seen[0]?.url).toBe('/search?q=ada&page=2');
    const badQuery = await api.route('GET /search', { query: { q: '' } }).catch((e: unknown) => e);
    expect(badQuery).toBeInstanceOf(RequestSchemaError);
    expect((badQuery as RequestSchemaError).issues[0]?.path).toEqual(['query', 'q']);
    answer = { status: 201, body: '{"id":2,"name":"Bo"}' };
    const created = await api.route('POST /teams/:teamId/members', {
      params: { teamId: 't1' },
      headers: { 'x-tenant': 'acme' },
      json: { name: 'Bo' },
    });
    expect(created).toMatchObject({ ok: true, status: 201, data: { id: 2, name: 'Bo' } });
    expect(seen[1]?.headers['x-tenant']).toBe('acme');
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ name: 'Bo' });
    const badHeader = await api
      .route('POST /teams/:teamId/members', {
        params: { teamId: 't1' },
        headers: { 'x-tenant': 'SECRET-Tenant' },
        json: { name: 'Bo' },
      })
      .catch((e: unknown) => e);
    expect(badHeader).toBeInstanceOf(RequestSchemaError);
    expect(JSON.stringify((badHeader as RequestSchemaError).issues)).not.toContain('SECRET');
    // The body is still checked by the hooks.
    await expect(
      api.route('POST /teams/:teamId/members', {
        params: { teamId: 't1' },
        headers: { 'x-tenant': 'acme' },
        json: { name: '' },
      }),
    ).rejects.toBeInstanceOf(RequestSchemaError);
    expect(seen).toHaveLength(2);
  });

  it('a missing param or an unknown route key is a typed error, nothing sent', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/`, retry: 0 }), routes);
    const missing = await (api.route as (k: string, o?: object) => Promise<unknown>)(
      'GET /users/:id/posts/:postId',
      {
        params: { id: 1 },
      },
    ).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RequestSchemaError);
    expect((missing as RequestSchemaError).issues).toEqual([
      { message: 'is required', path: ['params', 'postId'] },
    ]);
    const unknown = await (api.route as (k: string) => Promise<unknown>)('GET /nope').catch(
      (e: unknown) => e,
    );
    expect(unknown).toBeInstanceOf(RequestSchemaError);
    expect(seen).toHaveLength(0);
  });

  it('a param of "." or ".." is refused: it would climb out of the route (WHATWG URLs resolve it, even as %2E%2E)', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/v1/`, retry: 0 }), routes);
    answer = { status: 200, body: '{"title":"x"}' };
    for (const id of ['..', '.']) {
      const refused = await api
        .route('GET /users/:id/posts/:postId', { params: { id, postId: '..' } })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RequestSchemaError);
      expect((refused as RequestSchemaError).issues[0]?.path).toEqual(['params', 'id']);
    }
    expect(seen).toHaveLength(0);
    // The plain typed methods too: `users/1/posts/..` type-checks (a string fills :postId)
    // but would go out as `users/1/`, unvalidated.
    for (const path of ['users/1/posts/..', 'users/./posts/2', 'users/%2E%2e/posts/2']) {
      const unmatched = await api.get(path as 'users/1/posts/2').catch((e: unknown) => e);
      expect(unmatched).toBeInstanceOf(UnmatchedRouteError);
    }
    expect(seen).toHaveLength(0);
    // Dots inside a value are data, and sent as they are.
    await api.route('GET /users/:id/posts/:postId', { params: { id: '...', postId: 'a.b' } });
    expect(seen[0]?.url).toBe('/v1/users/.../posts/a.b');
  });
});
