import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerOf, splitTarget } from './node-io.js';

const viaUrl = (target: string) => {
  try {
    const url = new URL(target, 'http://sim');
    return { pathname: url.pathname, search: url.search };
  } catch {
    return 'invalid';
  }
};
const split = (target: string) => {
  try {
    return splitTarget(target);
  } catch {
    return 'invalid';
  }
};

describe('splitTarget', () => {
  it('property: gives what new URL gives, for any request target', () => {
    const piece = fc.constantFrom(
      ...'/?.%#&=+ ;:@!$()*,-_~\'"<>`{}|\\^[]aZ09é'.split(''),
      '%2e',
      '%2E',
      '..',
      '//',
      '%41',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const target = `/${pieces.join('')}`.replace(/#.*/, '');
        expect(split(target)).toEqual(viaUrl(target));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '/items',
    '/items?',
    '/items?a=1&b=x.y',
    '/a/../b',
    '/a/%2e%2E/b',
    '//host/x',
    '//',
    '/v1/charges?expand[]=x',
    "/q?name='x'",
  ])('splits %j like new URL', (target) => {
    expect(split(target)).toEqual(viaUrl(target));
  });
});

describe('headerOf', () => {
  it('reads a header as Headers would: repeats joined, absent as null', () => {
    const req = { headers: { a: '1', 'set-cookie': ['x=1', 'y=2'] } } as unknown as IncomingMessage;
    expect(headerOf(req, 'a')).toBe('1');
    expect(headerOf(req, 'set-cookie')).toBe('x=1, y=2');
    expect(headerOf(req, 'b')).toBeNull();
  });
});
