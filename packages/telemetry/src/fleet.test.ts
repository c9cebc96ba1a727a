import { describe, expect, it } from 'vitest';
import { decodeInto, encodeSlice, Pending } from './fleet.js';
import { addAttempt, addCall, newSlice, RELATIVE_ACCURACY } from './rolling.js';

describe('fleet slice encoding', () => {
  it('round-trips counters and sketch bins (zero bucket included), as a flat list or a record', () => {
    const slice = newSlice(0);
    const values = [0, 0, 1.5, 12, 12.1, 250, 4000];
    for (const [i, value] of values.entries()) addCall(slice, value, i % 2 === 0);
    addAttempt(slice, true, true);
    addAttempt(slice, false, false);
    const encoded = encodeSlice(slice);
    expect(encoded.slice(0, 10)).toEqual(['c', '7', 'e', '4', 'a', '2', 'r', '1', 'l', '1']);
    expect(encoded).toContain('z');
    const asRecord: Record<string, string> = {};
    for (let i = 0; i < encoded.length; i += 2)
      asRecord[encoded[i] as string] = encoded[i + 1] as string;
    for (const hash of [encoded, asRecord]) {
      const back = newSlice(0);
      decodeInto(back, hash);
      expect(back).toMatchObject({ calls: 7, errors: 4, attempts: 2, retries: 1, rateLimited: 1 });
      expect(back.sketch.count).toBe(7);
      for (const q of [0.1, 0.5, 0.9, 1]) {
        const a = slice.sketch.getValueAtQuantile(q);
        expect(Math.abs(back.sketch.getValueAtQuantile(q) - a)).toBeLessThanOrEqual(
          RELATIVE_ACCURACY * a + 1e-9,
        );
      }
    }
  });

  it('ignores malformed fields and values', () => {
    const slice = newSlice(0);
    decodeInto(slice, ['c', 'x', 'e', '-1', 'bNaN', '3', 'unknown', '4', 'a', '2', 'dangling']);
    decodeInto(slice, null);
    decodeInto(slice, 'text');
    expect(slice).toMatchObject({ calls: 0, errors: 0, attempts: 2 });
    expect(slice.sketch.count).toBe(0);
    expect(encodeSlice(newSlice(0))).toEqual([]);
  });
});

describe('Pending', () => {
  it('keeps at most max slices, dropping the oldest', () => {
    const pending = new Pending(2);
    pending.slice(10).calls = 1;
    pending.slice(20).calls = 2;
    expect(pending.slice(10).calls).toBe(1);
    pending.slice(30).calls = 3;
    expect(pending.size).toBe(2);
    expect(
      pending
        .take()
        .map((slice) => slice.start)
        .sort(),
    ).toEqual([20, 30]);
    expect(pending.size).toBe(0);
  });
});
