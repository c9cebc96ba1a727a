/**
 * A sliding window log: how many events happened in the last `windowMs`. The provider keeps
 * two: accepted requests (what it enforces, 429 past the limit) and every arrival (what the
 * ledger judges "over the limit", so hammering during a 429 storm still counts).
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

/** The provider's rate policy: N requests per sliding second, advertised in headers. */
export class RatePolicy {
  readonly accepted: SlidingWindow;
  readonly arrivals: SlidingWindow;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
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

  remaining(now: number): number {
    return Math.max(0, this.limit - this.accepted.count(now));
  }

  /** Whole seconds until a slot frees up (at least 1 when none is free, else 0 or 1). */
  resetSeconds(now: number): number {
    return Math.ceil(this.accepted.msUntilSlot(now) / 1000);
  }

  /** The IETF draft-10 headers (and optionally the legacy X-RateLimit-* trio). */
  headers(now: number, legacy: boolean): Record<string, string> {
    const remaining = this.remaining(now);
    const reset = this.resetSeconds(now);
    const windowSeconds = Math.ceil(this.windowMs / 1000);
    const out: Record<string, string> = {
      'ratelimit-policy': `"default";q=${this.limit};w=${windowSeconds}`,
      ratelimit: `"default";r=${remaining};t=${reset}`,
    };
    if (legacy) {
      out['x-ratelimit-limit'] = String(this.limit);
      out['x-ratelimit-remaining'] = String(remaining);
      out['x-ratelimit-reset'] = String(reset);
    }
    return out;
  }
}
