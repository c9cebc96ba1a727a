import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { getHeader, type HeadersInput } from './headers.js';

describe('getHeader', () => {
  it('reads a Fetch Headers case-insensitively', () => {
    const headers = new Headers({ 'Retry-After': '120' });
    expect(getHeader(headers, 'retry-after')).toBe('120');
    expect(getHeader(headers, 'RETRY-AFTER')).toBe('120');
    expect(getHeader(headers, 'x-missing')).toBeUndefined();
  });

  it('joins repeated Fetch header values with ", "', () => {
    const headers = new Headers();
    headers.append('Vary', 'accept');
    headers.append('vary', 'origin');
    expect(getHeader(headers, 'Vary')).toBe('accept, origin');
  });

  it('returns undefined for a name Fetch Headers rejects instead of throwing', () => {
    expect(getHeader(new Headers(), 'bad name')).toBeUndefined();
  });

  it('reads Node-style records with any-case names, arrays and numbers', () => {
    const headers: HeadersInput = {
      'Retry-After': '5',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': 42,
      'x-empty': undefined,
    };
    expect(getHeader(headers, 'retry-after')).toBe('5');
    expect(getHeader(headers, 'Set-Cookie')).toBe('a=1, b=2');
    expect(getHeader(headers, 'Content-Length')).toBe('42');
    expect(getHeader(headers, 'x-empty')).toBeUndefined();
    expect(getHeader(headers, 'x-missing')).toBeUndefined();
  });

  it('joins record keys that differ only in case, in key order', () => {
    expect(getHeader({ 'X-A': '1', 'x-a': '2' }, 'x-a')).toBe('1, 2');
  });

  it('skips non-string array members and empty arrays', () => {
    const headers = { a: ['x', 7 as unknown as string, 'y'], b: [] as string[] };
    expect(getHeader(headers, 'a')).toBe('x, y');
    expect(getHeader(headers, 'b')).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    const record: Record<string, string> = {};
    expect(getHeader(record, '__proto__')).toBeUndefined();
    expect(getHeader(record, 'constructor')).toBeUndefined();
    expect(getHeader(record, 'toString')).toBeUndefined();
    const child = Object.create({ inherited: 'yes' }) as Record<string, string>;
    expect(getHeader(child, 'inherited')).toBeUndefined();
    const bare = Object.create(null) as Record<string, string>;
    bare['Retry-After'] = '3';
    expect(getHeader(bare, 'retry-after')).toBe('3');
    const parsed = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    expect(getHeader(parsed, '__proto__')).toBe('x');
  });

  it('reads iterables of pairs: arrays, Map entries, generators', () => {
    expect(getHeader([['Retry-After', '7']], 'retry-after')).toBe('7');
    expect(
      getHeader(
        [
          ['vary', 'a'],
          ['other', 'z'],
          ['Vary', 'b'],
        ],
        'VARY',
      ),
    ).toBe('a, b');
    expect(getHeader(new Map([['X-Id', '9']]), 'x-id')).toBe('9');
    function* pairs(): Generator<readonly [string, string]> {
      yield ['a', '1'];
    }
    expect(getHeader(pairs(), 'A')).toBe('1');
    expect(getHeader([], 'a')).toBeUndefined();
  });

  it('tolerates malformed pairs', () => {
    const weird = [
      'not a pair',
      [1, 'x'],
      ['a', undefined],
      ['a', 5],
      ['a', 'ok'],
    ] as unknown as Iterable<readonly [string, string]>;
    expect(getHeader(weird, 'a')).toBe('5, ok');
  });

  it('returns undefined for null or non-object input', () => {
    expect(getHeader(null as unknown as HeadersInput, 'a')).toBeUndefined();
    expect(getHeader('a: b' as unknown as HeadersInput, 'a')).toBeUndefined();
  });

  it('agrees across the three input shapes (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
    const value = fc.stringMatching(/^[!-~]([ !-~]{0,20}[!-~])?$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n }), (pairs) => {
        const headers = new Headers(pairs);
        const record = Object.fromEntries(pairs.map(([n, v]) => [n.toUpperCase(), v]));
        for (const [n, v] of pairs) {
          expect(getHeader(headers, n)).toBe(v);
          expect(getHeader(record, n)).toBe(v);
          expect(getHeader(pairs, n.toUpperCase())).toBe(v);
        }
      }),
    );
  });

  it('works where the Headers class is missing (records and pairs only)', async () => {
    vi.stubGlobal('Headers', undefined);
    vi.resetModules();
    try {
      const fresh = await import('./headers.js');
      expect(fresh.getHeader({ 'Retry-After': '1' }, 'retry-after')).toBe('1');
      expect(fresh.getHeader([['a', '2']], 'A')).toBe('2');
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
