import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplates } from './templates.js';

describe('compileTemplates', () => {
  const match = compileTemplates([
    '/users/{id}',
    'POST /users',
    '/orgs/:org/repos',
    '/files/{path+}',
    '/users/me',
  ]);

  it('matches literal segments, {param} and :param one segment, {rest+} one or more', () => {
    expect(match('GET', '/users/42')).toBe('/users/{id}');
    expect(match('GET', '/users/42/')).toBe('/users/{id}');
    expect(match('GET', '/users/me')).toBe('/users/{id}'); // first declared wins
    expect(match('POST', '/users')).toBe('/users');
    expect(match('GET', '/users')).toBeUndefined();
    expect(match('GET', '/orgs/acme/repos')).toBe('/orgs/:org/repos');
    expect(match('GET', '/files/a/b/c')).toBe('/files/{path+}');
    expect(match('GET', '/files')).toBeUndefined();
    expect(match('GET', '/users/1/2')).toBeUndefined();
    expect(match('GET', `/users/${'x'.repeat(3000)}`)).toBeUndefined();
  });

  it('accepts a function, and no option at all', () => {
    expect(
      compileTemplates(({ method, path }) => `${method}:${path.split('/')[1]}`)('GET', '/a/b'),
    ).toBe('GET:a');
    expect(compileTemplates(undefined)('GET', '/a')).toBeUndefined();
  });

  it('only ever returns a declared template, whatever the path (property)', () => {
    const declared = new Set([
      '/users/{id}',
      '/users',
      '/orgs/:org/repos',
      '/files/{path+}',
      '/users/me',
    ]);
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'PUT'),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }),
        (method, parts) => {
          const result = match(method, `/${parts.join('/')}`);
          expect(result === undefined || declared.has(result)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
