import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABOUT_BLANK, parseProblemDetails } from './parse.js';
import { statusPhrase } from './status.js';

/** RFC 9457 §3: the out-of-credit example (response to POST /purchase, 403). */
const OUT_OF_CREDIT = `{
 "type": "https://example.com/probs/out-of-credit",
 "title": "You do not have enough credit.",
 "detail": "Your current balance is 30, but that costs 50.",
 "instance": "/account/12345/msgs/abc",
 "balance": 30,
 "accounts": ["/account/12345",
              "/account/67890"]
}`;

/** RFC 9457 §3: several problems in one, as an `errors` extension (422). */
const VALIDATION = `{
 "type": "https://example.net/validation-error",
 "title": "Your request is not valid.",
 "errors": [
             {
               "detail": "must be a positive integer",
               "pointer": "#/age"
             },
             {
               "detail": "must be 'green', 'red' or 'blue'",
               "pointer": "#/profile/color"
             }
          ]
  }`;

describe('RFC 9457 examples', () => {
  it('§3 out-of-credit: standard members and two extensions', () => {
    const problem = parseProblemDetails(JSON.parse(OUT_OF_CREDIT), { status: 403 });
    expect(problem).toEqual({
      type: 'https://example.com/probs/out-of-credit',
      title: 'You do not have enough credit.',
      status: 403,
      detail: 'Your current balance is 30, but that costs 50.',
      instance: '/account/12345/msgs/abc',
      extensions: { balance: 30, accounts: ['/account/12345', '/account/67890'] },
    });
    expect(Object.getPrototypeOf(problem.extensions)).toBeNull();
  });

  it('§3 out-of-credit: the relative instance resolves against the response URL (§3.1.5)', () => {
    const problem = parseProblemDetails(JSON.parse(OUT_OF_CREDIT), {
      status: 403,
      baseUrl: 'https://store.example.com/purchase',
    });
    expect(problem.instance).toBe('https://store.example.com/account/12345/msgs/abc');
    expect(problem.type).toBe('https://example.com/probs/out-of-credit');
  });

  it('§3 validation-error: the errors array is kept as an extension, pointers intact', () => {
    const problem = parseProblemDetails(JSON.parse(VALIDATION), { status: 422 });
    expect(problem.type).toBe('https://example.net/validation-error');
    expect(problem.title).toBe('Your request is not valid.');
    expect(problem.status).toBe(422);
    expect(problem.extensions.errors).toEqual([
      { detail: 'must be a positive integer', pointer: '#/age' },
      { detail: "must be 'green', 'red' or 'blue'", pointer: '#/profile/color' },
    ]);
  });

  it('§3.1.1/§4.2.1: no type means about:blank, titled with the status phrase', () => {
    const problem = parseProblemDetails({ detail: 'Try later' }, { status: 503 });
    expect(problem).toMatchObject({
      type: ABOUT_BLANK,
      title: 'Service Unavailable',
      status: 503,
      detail: 'Try later',
    });
  });

  it('§3.1: members of the wrong JSON type are ignored as if absent', () => {
    const problem = parseProblemDetails(
      { type: 42, title: ['x'], status: '403', detail: null, instance: {} },
      { status: 404 },
    );
    expect(problem).toEqual({
      type: ABOUT_BLANK,
      title: 'Not Found',
      status: 404,
      detail: undefined,
      instance: undefined,
      extensions: {},
    });
  });

  it('§3.1.2: status must be an integer 100–599 (Appendix A schema), else the HTTP status', () => {
    for (const bad of [99, 600, 403.5, Number.NaN, -1, true]) {
      expect(parseProblemDetails({ status: bad }, { status: 418 }).status).toBe(418);
    }
    expect(parseProblemDetails({ status: 409 }, { status: 400 }).status).toBe(409);
    expect(parseProblemDetails({ status: 409 }).status).toBe(409);
    expect(parseProblemDetails({}).status).toBeUndefined();
    expect(parseProblemDetails({}, { status: 1000 }).status).toBeUndefined();
  });

  it('§4.2.1: an explicit about:blank keeps its own title; other types get no default title', () => {
    expect(parseProblemDetails({ type: 'about:blank', title: 'Nope' }, { status: 400 }).title).toBe(
      'Nope',
    );
    expect(parseProblemDetails({ type: 'about:blank' }, { status: 400 }).title).toBe('Bad Request');
    expect(
      parseProblemDetails({ type: 'https://x.test/p' }, { status: 400 }).title,
    ).toBeUndefined();
    expect(parseProblemDetails({}).title).toBeUndefined();
  });
});

describe('relative references', () => {
  const baseUrl = 'https://api.example.com/v2/orders/7?x=1';

  it('resolves relative type and instance, keeps absolute ones untouched', () => {
    const problem = parseProblemDetails({ type: '/probs/late', instance: 'events/9' }, { baseUrl });
    expect(problem.type).toBe('https://api.example.com/probs/late');
    expect(problem.instance).toBe('https://api.example.com/v2/orders/events/9');
    const absolute = parseProblemDetails(
      { type: 'urn:problem:x', instance: 'tag:a.b,2024:c' },
      { baseUrl },
    );
    expect(absolute.type).toBe('urn:problem:x');
    expect(absolute.instance).toBe('tag:a.b,2024:c');
  });

  it('accepts a URL object as base', () => {
    const problem = parseProblemDetails({ type: 'p' }, { baseUrl: new URL('https://h.test/a/b') });
    expect(problem.type).toBe('https://h.test/a/p');
  });

  it('keeps references as given without a base or when resolution fails', () => {
    expect(parseProblemDetails({ type: '/p' }).type).toBe('/p');
    expect(parseProblemDetails({ type: '/p' }, { baseUrl: 'not a url' }).type).toBe('/p');
    expect(parseProblemDetails({ instance: '//[bad' }, { baseUrl }).instance).toBe('//[bad');
  });

  it('treats scheme-like prefixes correctly', () => {
    // ":x" and "1a:b" are not schemes (RFC 3986 §3.1): they are relative references
    expect(parseProblemDetails({ type: ':x' }, { baseUrl }).type).toBe(
      'https://api.example.com/v2/orders/:x',
    );
    expect(parseProblemDetails({ type: '1a:b' }, { baseUrl }).type).toBe(
      'https://api.example.com/v2/orders/1a:b',
    );
    expect(parseProblemDetails({ type: 'a+b.c-d:rest' }, { baseUrl }).type).toBe('a+b.c-d:rest');
    expect(parseProblemDetails({ type: 'a/b:c' }, { baseUrl }).type).toBe(
      'https://api.example.com/v2/orders/a/b:c',
    );
    expect(parseProblemDetails({ type: 'abc' }, { baseUrl }).type).toBe(
      'https://api.example.com/v2/orders/abc',
    );
  });
});

describe('extensions', () => {
  it('never lets __proto__, constructor or prototype through', () => {
    const doc = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"prototype":1,"ok":1}',
    );
    const problem = parseProblemDetails(doc);
    expect(Object.keys(problem.extensions)).toEqual(['ok']);
    expect(Object.getPrototypeOf(problem.extensions)).toBeNull();
    expect((problem.extensions as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores inherited members and reads arrays and primitives as empty documents', () => {
    const inherited = Object.create({ type: 'https://evil.test', title: 'x' }) as object;
    expect(parseProblemDetails(inherited).type).toBe(ABOUT_BLANK);
    for (const value of [null, undefined, 1, 'x', true, [], [{ type: 'a' }]]) {
      expect(parseProblemDetails(value, { status: 500 })).toEqual({
        type: ABOUT_BLANK,
        title: 'Internal Server Error',
        status: 500,
        detail: undefined,
        instance: undefined,
        extensions: {},
      });
    }
  });
});

describe('properties', () => {
  const options = fc.record(
    {
      status: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.double()),
      baseUrl: fc.oneof(fc.webUrl(), fc.string()),
    },
    { requiredKeys: [] },
  );

  it('never throws on any JSON value and always yields a string type', () => {
    fc.assert(
      fc.property(fc.jsonValue(), options, (value, opts) => {
        const problem = parseProblemDetails(value, opts);
        expect(typeof problem.type).toBe('string');
        expect(Object.getPrototypeOf(problem.extensions)).toBeNull();
        if (problem.status !== undefined) {
          expect(Number.isInteger(problem.status)).toBe(true);
          expect(problem.status).toBeGreaterThanOrEqual(100);
          expect(problem.status).toBeLessThanOrEqual(599);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on anything (null-prototype objects, boxed values, dangerous keys)', () => {
    const keys = fc.oneof(
      fc.string(),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'status', 'instance'),
    );
    fc.assert(
      fc.property(
        fc.anything({ key: keys, withNullPrototype: true, withBoxedValues: true, withMap: true }),
        (value) => {
          const problem = parseProblemDetails(value, { baseUrl: 'https://h.test/' });
          for (const unsafe of ['__proto__', 'constructor', 'prototype']) {
            expect(Object.hasOwn(problem.extensions, unsafe)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps every own member: standard members of the right type, the rest as extensions', () => {
    const standard = ['type', 'title', 'status', 'detail', 'instance'];
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (doc) => {
        const problem = parseProblemDetails(doc);
        const expected = Object.keys(doc).filter(
          (k) => !standard.includes(k) && !['__proto__', 'constructor', 'prototype'].includes(k),
        );
        expect(Object.keys(problem.extensions).sort()).toEqual(expected.sort());
        if (typeof doc.detail === 'string') expect(problem.detail).toBe(doc.detail);
        if (typeof doc.type === 'string') expect(problem.type).toBe(doc.type);
        else expect(problem.type).toBe(ABOUT_BLANK);
      }),
    );
  });
});

describe('statusPhrase', () => {
  it('names registered codes and classes, and nothing outside 100–599', () => {
    expect(statusPhrase(429)).toBe('Too Many Requests');
    expect(statusPhrase(422)).toBe('Unprocessable Content');
    expect(statusPhrase(599)).toBe('Server Error');
    expect(statusPhrase(499)).toBe('Client Error');
    expect(statusPhrase(399)).toBe('Redirection');
    expect(statusPhrase(299)).toBe('Success');
    expect(statusPhrase(199)).toBe('Informational');
    expect(statusPhrase(600)).toBeUndefined();
    expect(statusPhrase(42.5)).toBeUndefined();
  });
});
