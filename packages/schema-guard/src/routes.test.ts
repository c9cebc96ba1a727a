import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { basePathOf, pathOfUrl, relativePath } from './engine.js';
import {
  createSchemaGuard,
  defineRoutes,
  MAX_PATH_SEGMENTS,
  SchemaGuardOptionError,
} from './index.js';

const S = z.object({ id: z.number() });

describe('defineRoutes', () => {
  const routes = defineRoutes({
    'GET /users/:id': { response: S },
    'GET /users/me': { response: S },
    'GET /users/:id/posts/:postId': { response: S },
    'GET /': { response: S },
    'POST /users': { body: S },
    'DELETE /files/:name': {},
  });

  it('matches method, static segments and params', () => {
    expect(routes.match('GET', '/users/7')).toMatchObject({
      route: 'GET /users/:id',
      params: { id: '7' },
    });
    expect(routes.match('get', '/users/7/posts/9')?.params).toEqual({ id: '7', postId: '9' });
    expect(routes.match('GET', '/users/me')?.route).toBe('GET /users/me');
    expect(routes.match('GET', '/')?.route).toBe('GET /');
    expect(routes.match('GET', '')?.route).toBe('GET /');
    expect(routes.match('POST', '/users/')?.route).toBe('POST /users');
    expect(routes.match('POST', 'users')?.route).toBe('POST /users');
    expect(routes.match('PUT', '/users')).toBeUndefined();
    expect(routes.match('GET', '/users')).toBeUndefined();
    expect(routes.match('GET', '/users//posts/1')).toBeUndefined();
    expect(routes.match('GET', '/teams/1')).toBeUndefined();
    expect(routes.match('GET', '/users/1/posts')).toBeUndefined();
  });

  it('percent-decodes params and keeps malformed ones as they are', () => {
    expect(routes.match('DELETE', '/files/a%20b')?.params).toEqual({ name: 'a b' });
    expect(routes.match('DELETE', '/files/%E0%A4%A')?.params).toEqual({ name: '%E0%A4%A' });
  });

  it('param objects have no prototype', () => {
    const params = routes.match('DELETE', '/files/__proto__')?.params as object;
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect((params as Record<string, string>).name).toBe('__proto__');
  });

  it('never matches paths longer than MAX_PATH_SEGMENTS', () => {
    expect(routes.match('GET', '/a'.repeat(MAX_PATH_SEGMENTS + 1))).toBeUndefined();
  });

  it('matching is linear and total on arbitrary paths', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('GET', 'POST', 'X'), (p, m) => {
        const match = routes.match(m, p);
        if (match !== undefined) expect(routes.table).toHaveProperty([match.route]);
      }),
    );
  });

  it('rejects malformed keys and values, naming them', () => {
    const bad = [
      { 'FETCH /x': {} },
      { 'GET x': {} },
      { GET: {} },
      { 'GET /a b': {} },
      { 'GET /x': null },
      { 'GET /x': { response: {} } },
      { 'GET /x': { body: 'no' } },
      { 'GET /x': { errors: 5 } },
      { 'GET /x': { errors: { 42: S } } },
      { 'GET /x': { errors: { 404: {} } } },
      { [`GET ${'/a'.repeat(MAX_PATH_SEGMENTS + 1)}`]: {} },
    ];
    for (const table of bad) {
      expect(() => defineRoutes(table as never)).toThrow(SchemaGuardOptionError);
    }
    expect(() => defineRoutes(null as never)).toThrow(/routes/);
    try {
      defineRoutes({ 'FETCH /x': {} } as never);
    } catch (error) {
      expect((error as SchemaGuardOptionError).option).toBe('routes["FETCH /x"]');
      expect((error as SchemaGuardOptionError).code).toBe('SCHEMA_GUARD_INVALID_OPTION');
    }
  });
});

describe('base paths (ky 2 baseUrl / prefix semantics)', () => {
  it('resolves like ky', () => {
    expect(basePathOf()).toBe('');
    expect(basePathOf('https://api.example.com/v2/')).toBe('/v2');
    expect(basePathOf('https://api.example.com/v2')).toBe('');
    expect(basePathOf(new URL('https://api.example.com/a/b/'))).toBe('/a/b');
    expect(basePathOf('https://api.example.com/v2/', 'billing')).toBe('/v2/billing');
    expect(basePathOf('https://api.example.com/v2/', '/billing//')).toBe('/billing');
    expect(basePathOf(undefined, '/api')).toBe('/api');
    expect(basePathOf(undefined, 'https://x.test/api/')).toBe('/api');
    expect(basePathOf('/api/')).toBe('/api');
  });

  it('extracts the path of a URL without parsing it', () => {
    expect(pathOfUrl('https://x.test/a/b?c=/d#e')).toBe('/a/b');
    expect(pathOfUrl('https://x.test')).toBe('/');
    expect(pathOfUrl('https://x.test/a#h?q')).toBe('/a');
    expect(pathOfUrl('/a?b')).toBe('/a');
  });

  it('finds a path whose query or fragment holds a URL', () => {
    expect(pathOfUrl('/users/1?next=https://x.test/a/b')).toBe('/users/1');
    expect(pathOfUrl('/users/1#https://x.test/a/b')).toBe('/users/1');
    expect(pathOfUrl('https://x.test?next=/a/b')).toBe('/');
    expect(pathOfUrl('https://x.test#/a/b')).toBe('/');
    expect(pathOfUrl('/go/https://x.test/a')).toBe('/go/https://x.test/a');
    const routes = defineRoutes({ 'GET /users/:id': { response: S } });
    const guard = createSchemaGuard(routes);
    expect(guard.match('GET', '/users/1?next=https://x.test/a/b')?.params).toEqual({ id: '1' });
  });

  it('strips the base only on a segment boundary', () => {
    expect(relativePath('/v2/users', '/v2')).toBe('/users');
    expect(relativePath('/v2', '/v2')).toBe('/');
    expect(relativePath('/v20/users', '/v2')).toBe('/v20/users');
    expect(relativePath('/users', '/v2')).toBe('/users');
    expect(relativePath('/users', '')).toBe('/users');
  });
});
