import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJsonPointer, validationErrors } from './pointer.js';

/** RFC 6901 §4 evaluation, just enough to check that pointers round-trip. */
function decode(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

describe('toJsonPointer', () => {
  it('writes RFC 9457 fragment pointers by default', () => {
    expect(toJsonPointer(['age'])).toBe('#/age');
    expect(toJsonPointer(['profile', 'color'])).toBe('#/profile/color');
    expect(toJsonPointer([])).toBe('#');
    expect(toJsonPointer(undefined)).toBe('#');
  });

  it('escapes ~ and / (RFC 6901 §3), in that order', () => {
    expect(toJsonPointer(['a/b', 'm~n', '~1'], 'json')).toBe('/a~1b/m~0n/~01');
    expect(toJsonPointer([{ key: 'items' }, 0, Symbol('s'), Symbol()], 'json')).toBe('/items/0/s/');
    expect(toJsonPointer(['', ''], 'json')).toBe('//');
  });

  it('percent-encodes what a fragment cannot hold (RFC 6901 §6)', () => {
    expect(toJsonPointer(['a b', 'c%d', 'é', '"', 'x?y'])).toBe('#/a%20b/c%25d/%C3%A9/%22/x?y');
    expect(toJsonPointer(["-._~!$&'()*+,;=:@"])).toBe("#/-._~0!$&'()*+,;=:@");
  });

  it('never throws on lone surrogates (written as U+FFFD)', () => {
    expect(toJsonPointer(['a\ud800b'])).toBe('#/a%EF%BF%BDb');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 4 }),
        (path) => {
          expect(toJsonPointer(path).startsWith('#')).toBe(true);
        },
      ),
    );
  });

  it('round-trips any path of strings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' })), (path) => {
        expect(decode(toJsonPointer(path, 'json'))).toEqual(path);
        const fragment = toJsonPointer(path);
        expect(fragment.startsWith('#')).toBe(true);
        expect(decode(decodeURIComponent(fragment.slice(1)))).toEqual(path);
      }),
    );
  });
});

describe('validationErrors', () => {
  it('renders issues as { detail, pointer } without their input values', () => {
    const issues = [
      { message: 'must be a positive integer', path: ['age'], input: -1 },
      { message: "must be 'green', 'red' or 'blue'", path: ['profile', 'color'] },
      { message: 'bad body' },
    ];
    // Issues with only a message: nothing safe to say but where.
    expect(validationErrors(issues)).toEqual([
      { detail: 'is invalid', pointer: '#/age' },
      { detail: 'is invalid', pointer: '#/profile/color' },
      { detail: 'is invalid', pointer: '#' },
    ]);
    // Messages you wrote yourself, opted into.
    expect(validationErrors(issues, 'fragment', (issue) => issue.message)).toEqual([
      { detail: 'must be a positive integer', pointer: '#/age' },
      { detail: "must be 'green', 'red' or 'blue'", pointer: '#/profile/color' },
      { detail: 'bad body', pointer: '#' },
    ]);
    expect(validationErrors(issues, 'json')[1]?.pointer).toBe('/profile/color');
  });
});
