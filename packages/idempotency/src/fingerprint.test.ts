import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultFingerprint,
  fingerprintNow,
  loadNodeCrypto,
  sha256Fingerprint,
} from './fingerprint.js';

const enc = new TextEncoder();
const req = (method: string, path: string, search: string, body: string) => ({
  method,
  path,
  search,
  body: enc.encode(body),
  raw: undefined,
});

describe('defaultFingerprint', () => {
  it('is stable, and differs when method, path, query or body differ', async () => {
    const base = await defaultFingerprint(req('POST', '/orders', '', '{"a":1}'));
    expect(base).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(await defaultFingerprint(req('POST', '/orders', '', '{"a":1}'))).toBe(base);
    for (const other of [
      req('PATCH', '/orders', '', '{"a":1}'),
      req('POST', '/orders/1', '', '{"a":1}'),
      req('POST', '/orders', '?x=1', '{"a":1}'),
      req('POST', '/orders', '', '{"a":2}'),
    ]) {
      expect(await defaultFingerprint(other)).not.toBe(base);
    }
  });

  it('matches a known SHA-256 vector on both paths', async () => {
    // printf 'POST\n/orders\n{"a":1}' | openssl dgst -sha256 -binary | base64url
    const expected = 'sha256:7HkYeFrgXMXKrQfrgtY7P1jwPxFHeTGHlq393L1Pq8o';
    expect(await defaultFingerprint(req('POST', '/orders', '', '{"a":1}'))).toBe(expected);
    expect(await sha256Fingerprint('POST\n/orders\n', enc.encode('{"a":1}'), null)).toBe(expected);
  });

  it('gives the same result on the Web Crypto path as on the node:crypto path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.uint8Array({ maxLength: 300 }), async (head, body) => {
        expect(await sha256Fingerprint(head, body, null)).toBe(await sha256Fingerprint(head, body));
      }),
      { numRuns: 50 },
    );
  });

  it('has a synchronous form with the same value on node:crypto, and a promise without it', async () => {
    const request = req('POST', '/orders', '?a=1', '{"a":1}');
    const now = fingerprintNow(request);
    expect(typeof now).toBe('string');
    expect(now).toBe(await defaultFingerprint(request));
    const web = fingerprintNow(request, null);
    expect(web).toBeInstanceOf(Promise);
    expect(await web).toBe(now);
  });

  it('falls back to Web Crypto where node:crypto is not available', () => {
    expect(loadNodeCrypto(null)).toBeNull();
    expect(loadNodeCrypto({})).toBeNull();
    expect(loadNodeCrypto({ getBuiltinModule: () => undefined })).toBeNull();
    expect(loadNodeCrypto()).not.toBeNull();
  });
});
