import { expect } from 'vitest';
import type { BeginResult, StoredResponse } from './store.js';

/** A long TTL: nothing expires during the suite unless a test says so. */
export const LONG = 600_000;
export const LONG_OPTIONS = { lockTtlMs: LONG, ttlMs: LONG };

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure is reproducible. */
export function noise(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Compares bytes without building a huge diff; names the first differing index. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual.byteLength).toBe(expected.byteLength);
  const firstDiff = expected.findIndex((byte, i) => actual[i] !== byte);
  expect(firstDiff, 'index of the first differing byte').toBe(-1);
}

export function record(status: number, body = ''): StoredResponse {
  return { status, headers: [['content-type', 'application/json']], body: bytesOf(body) };
}

/** Asserts the outcome of `begin` and narrows it. */
export function expectOutcome<S extends BeginResult['status']>(
  result: BeginResult,
  status: S,
): Extract<BeginResult, { status: S }> {
  expect(result.status).toBe(status);
  return result as Extract<BeginResult, { status: S }>;
}

let counter = 0;
/** A scope no other test (or concurrent run on a shared server) uses. */
export function freshScope(label: string): string {
  counter += 1;
  return `conformance ${label} ${crypto.randomUUID()} ${counter}`;
}
