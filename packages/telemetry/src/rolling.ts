import { type Clock, systemClock } from '@brace/core';
import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';

/**
 * Relative accuracy of every latency quantile this package reports: 0.01, i.e. a reported
 * p95 of 200 ms means the exact p95 lies within 198–202 ms (DDSketch's guarantee).
 *
 * @example
 * ```ts
 * import { RELATIVE_ACCURACY } from '@brace/telemetry';
 *
 * console.log(RELATIVE_ACCURACY); // 0.01
 * ```
 */
export const RELATIVE_ACCURACY = 0.01;

/**
 * The most bins one sketch keeps: 2048. At 1% accuracy that spans durations from 1 µs to
 * far beyond a day without collapsing; past it the lowest bins merge (high quantiles stay exact
 * to 1%), so memory never grows with the number of calls.
 *
 * @example
 * ```ts
 * import { SKETCH_BIN_LIMIT } from '@brace/telemetry';
 *
 * console.log(SKETCH_BIN_LIMIT); // 2048
 * ```
 */
export const SKETCH_BIN_LIMIT = 2048;

/**
 * Default rolling window: 60 s.
 *
 * @example
 * ```ts
 * import { DEFAULT_WINDOW_MS } from '@brace/telemetry';
 *
 * console.log(DEFAULT_WINDOW_MS); // 60000
 * ```
 */
export const DEFAULT_WINDOW_MS = 60_000;

/**
 * How many slices the window is cut into: 6. The window slides one slice at a time, so the
 * statistics cover between `windowMs - windowMs/6` and `windowMs` of history.
 *
 * @example
 * ```ts
 * import { WINDOW_SLICES } from '@brace/telemetry';
 *
 * console.log(WINDOW_SLICES); // 6
 * ```
 */
export const WINDOW_SLICES = 6;

/** A DDSketch of durations (ms). */
export type Sketch = LogCollapsingLowestDenseDDSketch;

/** Creates an empty sketch with the package's accuracy and bin limit. */
export function newSketch(): Sketch {
  return new LogCollapsingLowestDenseDDSketch({
    relativeAccuracy: RELATIVE_ACCURACY,
    binLimit: SKETCH_BIN_LIMIT,
  });
}

/** Counters of one slice (or of a merged window). */
export interface Counts {
  /** Calls (operations) that ended. */
  calls: number;
  /** Calls that ended in error. */
  errors: number;
  /** Attempts sent. */
  attempts: number;
  /** Attempts that were retries (second attempt or later). */
  retries: number;
  /** Responses with status 429. */
  rateLimited: number;
}

/** One slice of the window. */
export interface Slice extends Counts {
  /** Start of the slice (epoch ms, a multiple of the slice length). */
  start: number;
  /** Call durations (ms). */
  sketch: Sketch;
}

/** What the window holds now: counters summed and sketches merged. */
export interface WindowSnapshot extends Counts {
  sketch: Sketch;
}

/** Creates an empty slice. */
export function newSlice(start: number): Slice {
  return {
    start,
    calls: 0,
    errors: 0,
    attempts: 0,
    retries: 0,
    rateLimited: 0,
    sketch: newSketch(),
  };
}

/** Adds one ended call to a slice; negative or non-finite durations (a clock stepping back) count as 0. */
export function addCall(slice: Slice, durationMs: number, error: boolean): void {
  slice.calls++;
  if (error) slice.errors++;
  slice.sketch.accept(durationMs >= 0 && durationMs < Number.POSITIVE_INFINITY ? durationMs : 0);
}

/** Adds one ended attempt to a slice. */
export function addAttempt(slice: Slice, retry: boolean, rateLimited: boolean): void {
  slice.attempts++;
  if (retry) slice.retries++;
  if (rateLimited) slice.rateLimited++;
}

/** Adds `from` into `into` (counters and sketch). */
export function mergeInto(into: Counts & { sketch: Sketch }, from: Counts & { sketch: Sketch }) {
  into.calls += from.calls;
  into.errors += from.errors;
  into.attempts += from.attempts;
  into.retries += from.retries;
  into.rateLimited += from.rateLimited;
  into.sketch.merge(from.sketch);
}

/**
 * A sliding window of call counters and latency sketches in fixed memory: `WINDOW_SLICES`
 * slices, each one sketch of at most `SKETCH_BIN_LIMIT` bins.
 */
export class RollingWindow {
  readonly windowMs: number;
  readonly sliceMs: number;
  readonly #clock: Clock;
  readonly #slices: Slice[] = [];

  constructor(windowMs: number, clock: Clock = systemClock) {
    this.windowMs = windowMs;
    this.sliceMs = Math.max(1, Math.ceil(windowMs / WINDOW_SLICES));
    this.#clock = clock;
    for (let i = 0; i < WINDOW_SLICES; i++) this.#slices.push(newSlice(Number.NEGATIVE_INFINITY));
  }

  /** The slice covering `now`, reset when it last held an older period. */
  current(now: number = this.#clock.now()): Slice {
    const start = Math.floor(now / this.sliceMs) * this.sliceMs;
    const index = Math.floor(start / this.sliceMs) % WINDOW_SLICES;
    let slice = this.#slices[index] as Slice;
    if (slice.start !== start) {
      slice = newSlice(start);
      this.#slices[index] = slice;
    }
    return slice;
  }

  /** Records one finished call. */
  recordCall(durationMs: number, error: boolean, now?: number): void {
    addCall(this.current(now), durationMs, error);
  }

  /** Records one attempt (whether it was a retry, and whether it was answered 429); `now` saves a clock read. */
  recordAttempt(retry: boolean, rateLimited: boolean, now?: number): void {
    addAttempt(this.current(now), retry, rateLimited);
  }

  /** The slices inside the window now, oldest first. */
  live(now: number = this.#clock.now()): Slice[] {
    const oldest =
      Math.floor(now / this.sliceMs) * this.sliceMs - (WINDOW_SLICES - 1) * this.sliceMs;
    return this.#slices
      .filter((slice) => slice.start >= oldest && slice.start <= now)
      .sort((a, b) => a.start - b.start);
  }

  /** Counters summed and sketches merged over the window. */
  snapshot(now: number = this.#clock.now()): WindowSnapshot {
    const total: WindowSnapshot = { ...newSlice(0) };
    for (const slice of this.live(now)) mergeInto(total, slice);
    return total;
  }

  /** Structure size, for memory checks: slice count and total sketch bins allocated. */
  size(): { slices: number; bins: number } {
    let bins = 0;
    for (const slice of this.#slices) {
      bins += slice.sketch.store.bins.length + slice.sketch.negativeStore.bins.length;
    }
    return { slices: this.#slices.length, bins };
  }
}

/** The value at quantile `q` (0–1) in ms, or undefined when the sketch is empty. */
export function quantile(sketch: Sketch, q: number): number | undefined {
  return sketch.count > 0 ? sketch.getValueAtQuantile(q) : undefined;
}
