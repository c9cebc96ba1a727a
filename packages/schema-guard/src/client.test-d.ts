import ky from 'ky';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineRoutes, type StandardSchemaV1, validateBody, validateResponse } from './index.js';
import { guard } from './ky.js';

const User = z.object({ id: z.number(), name: z.string(), tags: z.array(z.string()).default([]) });
const Post = v.object({ title: v.string() });
const routes = defineRoutes({
  'GET /users/:id': { response: User },
  'GET /users/me': { response: z.object({ me: z.literal(true) }) },
  'GET /users/:id/posts/:postId': { response: Post },
  'POST /users': { body: z.object({ name: z.string() }), response: User },
  'DELETE /users/:id': {},
});
const api = guard(ky.create({ baseUrl: 'https://api.test/' }), routes);

describe('guard types', () => {
  it('types results by the route output', () => {
    expectTypeOf(api.get('/users/1')).resolves.toEqualTypeOf<{
      id: number;
      name: string;
      tags: string[];
    }>();
    expectTypeOf(api.get('users/1/posts/2')).resolves.toEqualTypeOf<{ title: string }>();
    expectTypeOf(api.get('/users/me')).resolves.toEqualTypeOf<{ me: true }>();
    expectTypeOf(api.delete('/users/1')).resolves.toBeUnknown();
  });

  it('checks paths against the table', () => {
    // @ts-expect-error no such route
    api.get('/teams/1');
    // @ts-expect-error no PUT routes
    api.put('/users/1', {});
    // @ts-expect-error GET /users is not a route
    api.get('/users');
    // @ts-expect-error more segments than any route: matches only the `users/${string}` template
    api.get('users/1/x/y');
    // @ts-expect-error an empty :id
    api.get('users/');
    // @ts-expect-error an empty :postId
    api.get('/users/1/posts/');
    // @ts-expect-error DELETE /users/:id/posts is not a route
    api.delete('/users/1/posts');
  });

  it('types the body by the route input', () => {
    api.post('/users', { json: { name: 'A' } });
    // @ts-expect-error wrong body type
    api.post('/users', { json: { name: 1 } });
    // @ts-expect-error body required
    api.post('/users');
  });

  it('rejects malformed route keys', () => {
    // @ts-expect-error not a route key
    defineRoutes({ 'FETCH /x': {} });
  });

  it('types standalone helpers', () => {
    expectTypeOf(validateResponse(User, new Response())).resolves.toEqualTypeOf<
      StandardSchemaV1.InferOutput<typeof User>
    >();
    expectTypeOf(validateBody(Post, { title: 'x' })).resolves.toEqualTypeOf<{ title: string }>();
    // @ts-expect-error wrong input
    validateBody(Post, { title: 1 });
  });
});

describe('route(): typed params, query, headers and status-discriminated results', () => {
  const NotFound = z.object({ title: z.string() });
  const table = defineRoutes({
    'GET /users/:id': { response: User, errors: { 404: NotFound } },
    'GET /search': {
      query: z.object({ q: z.string(), page: z.number().optional() }),
      response: z.array(User),
    },
    'POST /teams/:teamId/members': {
      body: z.object({ name: z.string() }),
      headers: z.object({ 'x-tenant': z.string() }),
      response: User,
    },
    'GET /health': { response: z.object({ ok: z.boolean() }) },
  });
  const client = guard(ky.create({ baseUrl: 'https://api.test/' }), table);

  it('infers the result by status, without annotations', async () => {
    const result = await client.route('GET /users/:id', { params: { id: 7 } });
    if (result.ok) {
      expectTypeOf(result.data).toEqualTypeOf<{ id: number; name: string; tags: string[] }>();
    } else {
      expectTypeOf(result.status).toEqualTypeOf<404>();
      expectTypeOf(result.data).toEqualTypeOf<{ title: string }>();
    }
  });

  it('requires and types params, query, headers and json', () => {
    // @ts-expect-error params are required
    client.route('GET /users/:id');
    // @ts-expect-error no such param
    client.route('GET /users/:id', { params: { userId: 7 } });
    client.route('GET /search', { query: { q: 'ada' } });
    // @ts-expect-error the query is typed by the route's schema
    client.route('GET /search', { query: { q: 1 } });
    client.route('GET /health');
    // @ts-expect-error no such route
    client.route('GET /nope');
    client.route('POST /teams/:teamId/members', {
      params: { teamId: 't1' },
      headers: { 'x-tenant': 'acme' },
      json: { name: 'Ada' },
    });
    // @ts-expect-error the headers schema makes headers required
    client.route('POST /teams/:teamId/members', {
      params: { teamId: 't1' },
      json: { name: 'Ada' },
    });
  });
});
