import { parseItem } from '@brace/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyConflictError, InvalidIdempotencyKeyError } from './errors.js';
import {
  createIdempotencyKey,
  formatIdempotencyKey,
  isTokenKey,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKey,
  plainQuoted,
  withIdempotencyKey,
} from './key.js';

const tchars = "!#$%&'*+-.^_`|~:/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const tokenKey = fc.string({
  unit: fc.constantFrom(...tchars),
  minLength: 1,
  maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
});
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
});

describe('createIdempotencyKey', () => {
  it('returns distinct v4 UUIDs that are valid keys in both formats', () => {
    const a = createIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createIdempotencyKey()).not.toBe(a);
    expect(parseIdempotencyKey(formatIdempotencyKey(a))).toEqual({ ok: true, key: a });
    expect(parseIdempotencyKey(formatIdempotencyKey(a, 'token'))).toEqual({ ok: true, key: a });
  });
});

describe('formatIdempotencyKey / parseIdempotencyKey', () => {
  it('round-trips any printable-ASCII key as a structured-field string', () => {
    fc.assert(
      fc.property(printable, (key) => {
        expect(parseIdempotencyKey(formatIdempotencyKey(key))).toEqual({ ok: true, key });
      }),
    );
  });

  it('round-trips any token key bare, and bare == quoted', () => {
    fc.assert(
      fc.property(tokenKey, (key) => {
        expect(formatIdempotencyKey(key, 'token')).toBe(key);
        expect(parseIdempotencyKey(key)).toEqual({ ok: true, key });
        expect(parseIdempotencyKey(`"${key}"`)).toEqual({ ok: true, key });
      }),
    );
  });

  it('never throws on arbitrary input and bounds what it accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (value) => {
        const parsed = parseIdempotencyKey(value);
        if (parsed.ok) {
          expect(parsed.key.length).toBeGreaterThan(0);
          expect(parsed.key.length).toBeLessThanOrEqual(MAX_IDEMPOTENCY_KEY_LENGTH);
        }
      }),
    );
  });

  it('names the rule a received value breaks', () => {
    expect(parseIdempotencyKey(undefined)).toEqual({ ok: false, rule: 'empty' });
    expect(parseIdempotencyKey('  ')).toEqual({ ok: false, rule: 'empty' });
    expect(parseIdempotencyKey('""')).toEqual({ ok: false, rule: 'empty' });
    expect(parseIdempotencyKey('x'.repeat(256))).toEqual({ ok: false, rule: 'too-long' });
    expect(parseIdempotencyKey('x'.repeat(10_000))).toEqual({ ok: false, rule: 'too-long' });
    expect(parseIdempotencyKey('?1')).toEqual({ ok: false, rule: 'syntax' });
    expect(parseIdempotencyKey('"a"x')).toEqual({ ok: false, rule: 'syntax' });
    expect(parseIdempotencyKey('"caf\u00e9"')).toEqual({ ok: false, rule: 'syntax' });
    expect(parseIdempotencyKey('caf\u00e9')).toEqual({ ok: false, rule: 'syntax' });
    expect(parseIdempotencyKey('"a";p=1')).toEqual({ ok: true, key: 'a' });
    expect(parseIdempotencyKey(' "a b" ')).toEqual({ ok: true, key: 'a b' });
    expect(parseIdempotencyKey('"a\\"b"')).toEqual({ ok: true, key: 'a"b' });
  });

  it('refuses to send empty, overlong or unrepresentable keys', () => {
    const rule = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidIdempotencyKeyError);
        expect((error as Error).message).not.toContain('secret');
        return (error as InvalidIdempotencyKeyError).rule;
      }
      return 'no error';
    };
    expect(rule(() => formatIdempotencyKey(''))).toBe('empty');
    expect(rule(() => formatIdempotencyKey('k'.repeat(256)))).toBe('too-long');
    expect(rule(() => formatIdempotencyKey('a secret', 'token'))).toBe('syntax');
    expect(rule(() => formatIdempotencyKey('caf\u00e9 secret'))).toBe('syntax');
    expect(formatIdempotencyKey('a"b')).toBe('"a\\"b"');
    expect(isTokenKey('')).toBe(false);
  });
});

describe('withIdempotencyKey', () => {
  it('adds a key to an init without headers, keeping the other fields', () => {
    const init = withIdempotencyKey({ method: 'POST', body: 'x' });
    expect(init.method).toBe('POST');
    expect(init.body).toBe('x');
    const value = init.headers['Idempotency-Key'] as string;
    expect(parseIdempotencyKey(value).ok).toBe(true);
    expect(value.startsWith('"')).toBe(true);
    expect(withIdempotencyKey().headers).toBeDefined();
  });

  it('keeps the kind of headers: Headers, pairs, iterables and records', () => {
    const original = new Headers({ a: '1' });
    const h = withIdempotencyKey({ headers: original }, { key: 'k1' }).headers as Headers;
    expect(h).toBeInstanceOf(Headers);
    expect(h.get('idempotency-key')).toBe('"k1"');
    expect(original.has('idempotency-key')).toBe(false);
    const pairs = withIdempotencyKey(
      { headers: [['a', '1']] },
      { key: 'k2', format: 'token' },
    ).headers;
    expect(pairs).toEqual([
      ['a', '1'],
      ['Idempotency-Key', 'k2'],
    ]);
    const map = new Map([['a', '1']]);
    expect(withIdempotencyKey({ headers: map.entries() }, { key: 'k3' }).headers).toEqual([
      ['a', '1'],
      ['Idempotency-Key', '"k3"'],
    ]);
    const withKey = new Map([['Idempotency-Key', '"k"']]);
    expect(withIdempotencyKey({ headers: withKey.entries() }).headers).toEqual([
      ['Idempotency-Key', '"k"'],
    ]);
    const record = withIdempotencyKey(
      { headers: { a: '1' } },
      { key: 'k4', header: 'X-Key' },
    ).headers;
    expect(record).toEqual({ a: '1', 'X-Key': '"k4"' });
  });

  it('leaves an init that already has a key alone; refuses a conflicting explicit key', () => {
    const init = { headers: { 'idempotency-key': '"mine"' } };
    expect(withIdempotencyKey(init)).toBe(init);
    expect(withIdempotencyKey(init, { key: 'mine' })).toBe(init);
    expect(() => withIdempotencyKey(init, { key: 'other' })).toThrow(IdempotencyKeyConflictError);
    const broken = { headers: { 'idempotency-key': 'a b' } };
    expect(() => withIdempotencyKey(broken, { key: 'a b' })).toThrow(IdempotencyKeyConflictError);
  });

  it('reuses one key across attempts when the init is kept', () => {
    const init = withIdempotencyKey({ method: 'POST' });
    expect(withIdempotencyKey(init)).toBe(init);
  });
});

describe('plainQuoted (the fast path of parseIdempotencyKey)', () => {
  it('reads exactly what the structured-field parser reads, or leaves the value to it', () => {
    const quotedish = fc.oneof(
      printable.map((k) => `"${k}"`),
      fc.string({ maxLength: 40 }).map((k) => `"${k}"`),
      fc.string({ maxLength: 40 }),
      printable.map((k) => `"${k}";p="x"`),
    );
    fc.assert(
      fc.property(quotedish, (text) => {
        const fast = plainQuoted(text);
        if (fast === undefined) return;
        expect(fast).toBe(parseItem(text).value);
      }),
      { numRuns: 2_000 },
    );
    expect(plainQuoted('"a\\"b"')).toBeUndefined();
    expect(plainQuoted('"a";p="b"')).toBeUndefined();
    expect(plainQuoted('"')).toBeUndefined();
    expect(plainQuoted('"abc')).toBeUndefined();
    expect(plainQuoted('"caf\u00e9"')).toBeUndefined();
    expect(parseIdempotencyKey(`"${'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1)}"`)).toEqual({
      ok: false,
      rule: 'too-long',
    });
    expect(parseIdempotencyKey('"a\\"b"')).toEqual({ ok: true, key: 'a"b' });
  });
});
