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
