import { afterEach, describe, expect, it } from 'vitest';
import { RouteCache } from './routes.js';
import { compileTemplates } from './templates.js';

const list = compileTemplates(['/users/{id}', 'POST /orders']);

afterEach(() => {
  delete (globalThis as { location?: unknown }).location;
});

describe('RouteCache', () => {
  it('parses a URL string once: the same URL again gives the same route, with host, default port and template', () => {
    const routes = new RouteCache(list, true);
    const first = routes.resolve('GET', 'https://api.test/users/1');
    expect(first).toMatchObject({ hostname: 'api.test', port: 443, template: '/users/{id}' });
    expect(routes.resolve('GET', 'https://api.test/users/1')).toBe(first);
    const other = routes.resolve('GET', 'http://api.test:8080/users/2');
    expect(other).toMatchObject({ hostname: 'api.test', port: 8080, template: '/users/{id}' });
    // Back to the first URL (not the previous one): found in the map, still the same route.
    expect(routes.resolve('GET', 'https://api.test/users/1')).toBe(first);
    expect(routes.resolve('GET', 'http://plain.test/users/3').port).toBe(80);
  });

  it('matches the template again when the same URL comes with another method', () => {
    const routes = new RouteCache(list, true);
    expect(routes.resolve('GET', 'https://api.test/orders').template).toBeUndefined();
    expect(routes.resolve('POST', 'https://api.test/orders').template).toBe('/orders');
    expect(routes.resolve('GET', 'https://api.test/orders').template).toBeUndefined();
  });

  it('asks a template function on every call, once per call', () => {
    const asked: string[] = [];
    let n = 0;
    const match = compileTemplates(({ method, path }) => {
      asked.push(`${method} ${path}`);
      return `/t${++n}`;
    });
    const routes = new RouteCache(match, false);
    const url = 'https://api.test/a';
    expect(routes.resolve('GET', url).template).toBe('/t1');
    expect(routes.resolve('GET', url).template).toBe('/t2');
    expect(routes.resolve('GET', url).template).toBe('/t3');
    expect(asked).toEqual(['GET /a', 'GET /a', 'GET /a']);
  });

  it('counts an unparsable URL under unknown.invalid, and stays bounded past 256 URLs', () => {
    const routes = new RouteCache(list, true);
    expect(routes.resolve('GET', 'not a url').hostname).toBe('unknown.invalid');
    const first = routes.resolve('GET', 'https://api.test/users/0');
    for (let i = 1; i <= 300; i++) {
      expect(routes.resolve('GET', `https://api.test/users/${i}`).template).toBe('/users/{id}');
    }
    // Forgotten when the cache started afresh: parsed again, equal but not the same object.
    const again = routes.resolve('GET', 'https://api.test/users/0');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('takes a URL object as it is, and resolves relative URLs against the page without remembering them', () => {
    const routes = new RouteCache(list, true);
    const url = new URL('https://api.test/users/9');
    expect(routes.resolve('GET', url).url).toBe(url);
    (globalThis as { location?: unknown }).location = { href: 'https://page.test/app/' };
    const relative = routes.resolve('GET', '/users/5');
    expect(relative).toMatchObject({ hostname: 'page.test', template: '/users/{id}' });
    (globalThis as { location?: unknown }).location = { href: 'https://moved.test/' };
    expect(routes.resolve('GET', '/users/5').hostname).toBe('moved.test');
  });
});
