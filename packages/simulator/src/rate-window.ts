/**
 * A sliding window log: how many events happened in the last `windowMs`. The provider keeps
 * two: accepted requests (what it enforces) and every arrival (what the ledger judges "over the
 * limit", so hammering during a 429 storm still counts).
 */
export class SlidingWindow {
  readonly #times: number[] = [];
  #head = 0;

  constructor(readonly windowMs: number) {}

  /** Events in (now - windowMs, now]. */
  count(now: number): number {
    this.#expire(now);
    return this.#times.length - this.#head;
  }

  add(now: number): void {
    this.#times.push(now);
  }

  /** Ms until the oldest event in the window leaves it (0 when empty). */
  msUntilSlot(now: number): number {
    this.#expire(now);
    const oldest = this.#times[this.#head];
    return oldest === undefined ? 0 : Math.max(0, oldest + this.windowMs - now);
  }

  #expire(now: number): void {
    const edge = now - this.windowMs;
    while (this.#head < this.#times.length && (this.#times[this.#head] as number) <= edge) {
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

/**
 * What a preset needs to write its rate-limit headers.
 *
 * @example
 * ```ts
 * import type { RateLimitState } from '@brace/simulator';
 *
 * const header = (s: RateLimitState) => `${s.used}/${s.limit}`;
 * ```
 */
export interface RateLimitState {
  /** Requests allowed per window. */
  limit: number;
  /** Requests accepted in the current window. */
  used: number;
  /** `limit - used`, at least 0. */
  remaining: number;
  /** Ms until the oldest accepted request leaves the window (0 when none is in it). */
  resetMs: number;
  /** The window length in ms. */
  windowMs: number;
  /** The provider clock, Unix ms. */
  now: number;
}

/** N requests per rolling window, judged by arrival time. */
export class RatePolicy {
  readonly accepted: SlidingWindow;
  readonly arrivals: SlidingWindow;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.accepted = new SlidingWindow(windowMs);
    this.arrivals = new SlidingWindow(windowMs);
  }

  /** Records an arrival; `overLimit` when the window of arrivals already held `limit`. */
  arrive(now: number): { overLimit: boolean; allowed: boolean } {
    const overLimit = this.arrivals.count(now) >= this.limit;
    this.arrivals.add(now);
    const allowed = this.accepted.count(now) < this.limit;
    if (allowed) this.accepted.add(now);
    return { overLimit, allowed };
  }

  state(now: number): RateLimitState {
    const used = this.accepted.count(now);
    return {
      limit: this.limit,
      used,
      remaining: Math.max(0, this.limit - used),
      resetMs: this.accepted.msUntilSlot(now),
      windowMs: this.windowMs,
      now,
    };
  }
}
