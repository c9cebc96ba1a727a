import { type Counts, newSlice, type Sketch, type Slice } from './rolling.js';

/** Field names in a slice's Redis hash. */
const FIELDS: ReadonlyArray<[keyof Counts, string]> = [
  ['calls', 'c'],
  ['errors', 'e'],
  ['attempts', 'a'],
  ['retries', 'r'],
  ['rateLimited', 'l'],
];
const ZERO = 'z';
const BIN = 'b';

/**
 * A slice as hash increments: `[field, increment, ...]`, every increment a positive integer.
 * Sketch bins become `b<index>` (the DDSketch key index, so slices from every instance merge
 * exactly as sketches do) and the zero bucket `z`.
 */
export function encodeSlice(slice: Counts & { sketch: Sketch }): string[] {
  const out: string[] = [];
  for (const [name, field] of FIELDS) {
    if (slice[name] > 0) out.push(field, String(slice[name]));
  }
  const { sketch } = slice;
  if (sketch.zeroCount > 0) out.push(ZERO, String(Math.round(sketch.zeroCount)));
  const { bins, offset } = sketch.store;
  for (let i = 0; i < bins.length; i++) {
    const count = bins[i] as number;
    if (count > 0) out.push(`${BIN}${i + offset}`, String(Math.round(count)));
  }
  return out;
}

/** Adds a hash read back from Redis (`HGETALL` as a flat list or a record) into `into`. */
export function decodeInto(into: Slice, hash: unknown): void {
  const pairs: Array<[string, number]> = [];
  if (Array.isArray(hash)) {
    for (let i = 0; i + 1 < hash.length; i += 2) pairs.push([String(hash[i]), Number(hash[i + 1])]);
  } else if (hash && typeof hash === 'object') {
    for (const [field, value] of Object.entries(hash)) pairs.push([field, Number(value)]);
  }
  const { sketch } = into;
  for (const [field, value] of pairs) {
    if (!Number.isSafeInteger(value) || value <= 0) continue;
    if (field === ZERO) {
      sketch.accept(0, value);
      continue;
    }
    if (field.startsWith(BIN)) {
      const key = Number(field.slice(1));
      if (Number.isSafeInteger(key)) sketch.accept(sketch.mapping.value(key), value);
      continue;
    }
    const name = FIELDS.find(([, short]) => short === field)?.[0];
    if (name) into[name] += value;
  }
}

/** Pending, not yet flushed slices, keyed by slice start; at most `max` are kept. */
export class Pending {
  readonly #slices = new Map<number, Slice>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#slices.size;
  }

  slice(start: number): Slice {
    let slice = this.#slices.get(start);
    if (!slice) {
      slice = newSlice(start);
      this.#slices.set(start, slice);
      if (this.#slices.size > this.#max) {
        const oldest = Math.min(...this.#slices.keys());
        this.#slices.delete(oldest);
      }
    }
    return slice;
  }

  /** Takes every pending slice, leaving none. */
  take(): Slice[] {
    const taken = [...this.#slices.values()];
    this.#slices.clear();
    return taken;
  }
}
