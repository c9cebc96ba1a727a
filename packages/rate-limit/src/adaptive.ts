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

interface KeyRate {
  rate: number;
  /** Until the first 429: each success adds 1 (the rate doubles every second). */
  slowStart: boolean;
  /** When the rate was last cut: 429s within a second of it are from the same overshoot. */
  cutAt: number;
}

/**
 * @internal Adaptive mode, for providers that advertise nothing: each key's sustainable rate
 * is learnt from the responses `observe` sees, AIMD as the AWS SDKs' adaptive retry mode
 * (which uses CUBIC) and TCP do — slow start (+1 per success, doubling every second) until
 * the first 429, then additive increase (+1/s per second: +1/rate per success) and a
 * multiplicative decrease (× `decrease`) on a 429, at most once a second. The limiter spaces
 * a key's starts `1000 / rate` ms apart. Bounded to `DEFAULT_MAX_KEYS` keys.
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
      s = { rate: this.o.initialRate, slowStart: true, cutAt: Number.NEGATIVE_INFINITY };
      this.keys.set(key, s);
    }
    return s;
  }

  /** The ms between a key's starts. */
  spacing(key: string): number {
    return 1000 / (this.keys.get(key)?.rate ?? this.o.initialRate);
  }

  /** The current rate of a key, per second. */
  rate(key: string): number {
    return this.keys.get(key)?.rate ?? this.o.initialRate;
  }

  /** A response that was not throttled. */
  onSuccess(key: string): void {
    const s = this.state(key);
    s.rate = Math.min(this.o.maxRate, s.rate + (s.slowStart ? 1 : 1 / s.rate));
  }

  /** A 429: cut the rate, once per second of overshoot. */
  onThrottle(key: string, now: number): void {
    const s = this.state(key);
    s.slowStart = false;
    if (now - s.cutAt < 1000) return;
    s.cutAt = now;
    s.rate = Math.max(this.o.minRate, s.rate * this.o.decrease);
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
