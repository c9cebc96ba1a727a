import { DEFAULT_MAX_KEYS } from '@brace/core';

/** Options of the limiter's `adaptive` mode (rates are starts per second, per key). */
export interface AdaptiveOptions {
  /** The rate a key starts from. Default 1/s (then it doubles every second until the first 429). */
  initialRate?: number;
  /** The lowest rate a 429 can cut to. Default 0.5/s. */
  minRate?: number;
  /** The highest rate it may grow to. Default 10,000/s. */
  maxRate?: number;
  /** The multiplicative decrease on a 429 (0–1). Default 0.9. */
  decrease?: number;
}

/** @internal The defaults of {@link AdaptiveOptions}. */
export const ADAPTIVE_DEFAULTS = Object.freeze({
  initialRate: 1,
  minRate: 0.5,
  maxRate: 10_000,
  decrease: 0.9,
});

/**
 * How fast the rate grows back after a cut (CUBIC's `C`, as a share of the rate the cut was
 * made from, per second cubed): the rate is back at that peak `cbrt((1 - decrease) / C)`
 * seconds after the cut (4 s with the default `decrease` of 0.9) whatever the rate, stays
 * near it for a few seconds, then probes beyond it, faster and faster.
 */
const CUBIC_C = 0.0016;
/** Successes are counted in this many buckets of {@link BUCKET_MS} (the last second). */
const BUCKETS = 10;
const BUCKET_MS = 100;

interface KeyRate {
  rate: number;
  /** Until the first 429: each success adds 1 (the rate doubles every second). */
  slowStart: boolean;
  /** When the rate was last cut: 429s within a second of it are from the same overshoot. */
  cutAt: number;
  /** The rate the last cut was made from (CUBIC's `W_max`). */
  peak: number;
  /** Successes per {@link BUCKET_MS} bucket over the last second (a ring), and its newest bucket. */
  readonly counts: number[];
  bucket: number;
}

/**
 * @internal Adaptive mode, for providers that advertise nothing: each key's sustainable rate
 * is learnt from the responses `observe` sees, AIMD with a measured rate as the AWS SDKs'
 * adaptive retry mode does. Slow start (+1 per success: doubling every second) until the
 * first 429; then a multiplicative decrease on a 429, at most once a second, applied to the
 * lower of the rate and the rate of successes measured over the last second (what the
 * provider accepted: a slow start that overshot to 90/s against a 50/s limit is cut to 45/s,
 * not 81/s); and an additive increase of 2% of the rate set by the last cut per second of
 * successes (+1/s per second at 50/s). The rate never grows past twice the measured rate
 * (a caller sending less than the rate does not inflate it). The limiter spaces a key's
 * starts `1000 / rate` ms apart. Bounded to `DEFAULT_MAX_KEYS` keys.
 */
export class AdaptiveRates {
  private readonly keys = new Map<string, KeyRate>();
  private readonly o: Required<AdaptiveOptions>;

  constructor(options: AdaptiveOptions) {
    this.o = { ...ADAPTIVE_DEFAULTS, ...options };
  }

  private state(key: string): KeyRate {
    let s = this.keys.get(key);
    if (s === undefined) {
      if (this.keys.size >= DEFAULT_MAX_KEYS)
        this.keys.delete(this.keys.keys().next().value as string);
      const rate = this.o.initialRate;
      s = {
        rate,
        slowStart: true,
        cutAt: Number.NEGATIVE_INFINITY,
        peak: rate,
        counts: new Array<number>(BUCKETS).fill(0),
        bucket: Number.NEGATIVE_INFINITY,
      };
      this.keys.set(key, s);
    }
    return s;
  }

  /** Moves the ring of success counts to `now`'s bucket, clearing the buckets it passes. */
  private advance(s: KeyRate, now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    if (bucket <= s.bucket) return;
    const passed = Math.min(BUCKETS, bucket - s.bucket);
    for (let i = 1; i <= passed; i++) s.counts[(bucket - passed + i) % BUCKETS] = 0;
    s.bucket = bucket;
  }

  /** Successes per second over the last second (the current bucket counts as far as it goes). */
  private measured(s: KeyRate, now: number): number {
    this.advance(s, now);
    let sum = 0;
    for (const c of s.counts) sum += c;
    return (sum * 1000) / ((BUCKETS - 1) * BUCKET_MS + (now - s.bucket * BUCKET_MS) + 1);
  }

  /** The ms between a key's starts. */
  spacing(key: string): number {
    return 1000 / (this.keys.get(key)?.rate ?? this.o.initialRate);
  }

  /** The current rate of a key, per second. */
  rate(key: string): number {
    return this.keys.get(key)?.rate ?? this.o.initialRate;
  }

  /** A response that was not throttled, at `now`. */
  onSuccess(key: string, now: number): void {
    const s = this.state(key);
    this.advance(s, now);
    s.counts[s.bucket % BUCKETS] = (s.counts[s.bucket % BUCKETS] as number) + 1;
    let next: number;
    if (s.slowStart) next = s.rate + 1;
    else {
      // CUBIC: back to the peak after K seconds, flat around it, then probing beyond it.
      const k = Math.cbrt((1 - this.o.decrease) / CUBIC_C);
      const t = (now - s.cutAt) / 1000 - k;
      next = s.peak * (1 + CUBIC_C * t * t * t);
    }
    const cap = Math.max(this.o.initialRate, 2 * this.measured(s, now));
    s.rate = Math.max(this.o.minRate, Math.min(this.o.maxRate, cap, next));
  }

  /** A 429 at `now`: cut the rate, once per second of overshoot. Returns whether it did. */
  onThrottle(key: string, now: number): boolean {
    const s = this.state(key);
    s.slowStart = false;
    if (now - s.cutAt < 1000) return false;
    s.cutAt = now;
    const measured = this.measured(s, now);
    s.peak = measured > 0 ? Math.min(s.rate, measured) : s.rate;
    s.rate = Math.max(this.o.minRate, s.peak * this.o.decrease);
    return true;
  }
}

/** @internal Validates `adaptive`; `undefined` when off. */
export function adaptiveOf(
  value: boolean | AdaptiveOptions | undefined,
  fail: (option: string, expected: string) => never,
): AdaptiveRates | undefined {
  if (value === undefined || value === false) return undefined;
  const options = value === true ? {} : value;
  if (typeof options !== 'object' || options === null)
    fail('adaptive', 'a boolean or { initialRate?, minRate?, maxRate?, decrease? }');
  for (const name of ['initialRate', 'minRate', 'maxRate'] as const) {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))) {
      fail(`adaptive.${name}`, 'a finite number > 0');
    }
  }
  const d = options.decrease;
  if (d !== undefined && (typeof d !== 'number' || !(d > 0 && d < 1)))
    fail('adaptive.decrease', 'a number between 0 and 1');
  return new AdaptiveRates(options);
}
