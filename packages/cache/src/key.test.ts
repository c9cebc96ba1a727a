import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDENTIAL_HEADERS, DEFAULT_CREDENTIAL_PARAMS } from './index.js';
import { keyBuilder } from './key.js';

const keyOf = keyBuilder(DEFAULT_CREDENTIAL_HEADERS, DEFAULT_CREDENTIAL_PARAMS);
const secret = fc.string({ minLength: 12, maxLength: 40 }).filter((s) => /^[\x21-\x7e]+$/.test(s));

describe('keys (property)', () => {
  it('two different credentials never share a key, and neither appears in the key or the safe URL', async () => {
    await fc.assert(
      fc.asyncProperty(
        secret,
        secret,
        fc.constantFrom(...DEFAULT_CREDENTIAL_HEADERS),
        fc.constantFrom(...DEFAULT_CREDENTIAL_PARAMS),
        fc.boolean(),
        async (a, b, header, param, inQuery) => {
          fc.pre(a !== b);
          const make = (s: string) =>
            inQuery
              ? {
                  method: 'GET',
                  url: `https://api.example.com/x?q=1&${param}=${encodeURIComponent(s)}`,
                  headers: new Headers(),
                }
              : {
                  method: 'GET',
                  url: 'https://api.example.com/x?q=1',
                  headers: new Headers({ [header]: s }),
                };
          const ka = await keyOf(make(a));
          const kb = await keyOf(make(b));
          expect(ka.partitioned && kb.partitioned).toBe(true);
          expect(ka.key).not.toBe(kb.key);
          for (const [k, s] of [
            [ka, a],
            [kb, b],
          ] as const) {
            expect(k.key).not.toContain(s);
            expect(k.safeUrl).not.toContain(encodeURIComponent(s));
          }
          expect((await keyOf(make(a))).key).toBe(ka.key);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a salt changes the partition hash', async () => {
    const salted = keyBuilder(
      DEFAULT_CREDENTIAL_HEADERS,
      DEFAULT_CREDENTIAL_PARAMS,
      'deployment-secret',
    );
    const request = {
      method: 'GET',
      url: 'https://api.example.com/x',
      headers: new Headers({ authorization: 'Bearer t' }),
    };
    expect((await salted(request)).key).not.toBe((await keyOf(request)).key);
    expect((await salted(request)).key).toBe((await salted(request)).key);
  });

  it('a credential already hashed is keyed synchronously, with the same key', async () => {
    const fresh = keyBuilder(DEFAULT_CREDENTIAL_HEADERS, DEFAULT_CREDENTIAL_PARAMS);
    const request = {
      method: 'GET',
      url: 'https://api.example.com/x',
      headers: new Headers({ authorization: 'Bearer memo' }),
    };
    const first = fresh(request);
    expect(first).toBeInstanceOf(Promise);
    const { key } = await first;
    const again = fresh(request);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toEqual({ key, safeUrl: request.url, partitioned: true });
    expect(key).not.toContain('memo');
  });

  it('requests without credentials share the unpartitioned key; parameter order is kept', async () => {
    const plain = await keyOf({
      method: 'get',
      url: 'https://api.example.com/x?b=2&a=1',
      headers: new Headers({ accept: 'x' }),
    });
    expect(plain).toEqual({
      key: 'GET https://api.example.com/x?b=2&a=1',
      safeUrl: 'https://api.example.com/x?b=2&a=1',
      partitioned: false,
    });
    const withKey = await keyOf({
      method: 'GET',
      url: 'https://api.example.com/x?b=2&API_KEY=s3cr3t-value&a=1',
      headers: new Headers(),
    });
    expect(withKey.key.startsWith('GET https://api.example.com/x?b=2&a=1 #')).toBe(true);
    expect(withKey.safeUrl).toBe('https://api.example.com/x?b=2&API_KEY=REDACTED&a=1');
  });
});
