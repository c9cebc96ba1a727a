import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64, base64Codec } from './base64.js';
import { BEGIN_SCRIPT, COMPLETE_SCRIPT, EXTEND_SCRIPT, RELEASE_SCRIPT } from './scripts.js';

describe('scripts', () => {
  it.each([
    ['begin', BEGIN_SCRIPT],
    ['complete', COMPLETE_SCRIPT],
    ['release', RELEASE_SCRIPT],
    ['extend', EXTEND_SCRIPT],
  ])('the %s script carries the SHA-1 of its source', (_, script) => {
    expect(script.sha1).toBe(createHash('sha1').update(script.source).digest('hex'));
  });
});

describe('base64', () => {
  const web = base64Codec(undefined);
  const bytes = fc.uint8Array({ maxLength: 70_000, size: 'large' });

  it('round-trips any bytes, on Buffer and on btoa/atob alike', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const encoded = base64.encode(input);
        expect(web.encode(input)).toBe(encoded);
        expect(Buffer.from(input).toString('base64')).toBe(encoded);
        for (const decoded of [base64.decode(encoded), web.decode(encoded)]) {
          expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype);
          expect(decoded).toEqual(input);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('encodes a view without the rest of its buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    const view = whole.subarray(1, 3);
    expect(base64.encode(view)).toBe('AgM=');
    expect(web.encode(view)).toBe('AgM=');
  });

  it('decodes into bytes of its own, not a view of a shared pool', () => {
    const decoded = base64.decode('AgM=');
    expect(decoded.byteOffset).toBe(0);
    expect(decoded.buffer.byteLength).toBe(2);
  });
});
