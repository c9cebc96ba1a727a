/**
 * A sliding window log: how many events happened in the last `windowMs`. The provider keeps
 * two: accepted requests (what it enforces) and every arrival (what the ledger judges "over the
 * limit", so hammering during a 429 storm still counts).
 */
export class SlidingWindow {
  readonly #times: number[] = [];
  #head = 0;

  /**
   * @param windowMs - the window length
   * @param max - events kept at most (the newest); `count` then says at most `max`, which is all
   *   "has the window reached the limit?" needs, and keeps memory bounded at any request rate
   */
  constructor(
    readonly windowMs: number,
    readonly max = Number.POSITIVE_INFINITY,
  ) {}

  /** Events in (now - windowMs, now], at most `max`. */
  count(now: number): number {
    this.#expire(now);
    return this.#times.length - this.#head;
  }

  add(now: number): void {
    this.#times.push(now);
    if (this.#times.length - this.#head > this.max) this.#head++;
    this.#compact();
  }

  /** Events held in memory (expired ones included until the next compaction). */
  get stored(): number {
    return this.#times.length;
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
    this.#compact();
  }

  #compact(): void {
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
    // Only whether `limit` arrivals are in the window matters: keep the newest `limit`.
    this.arrivals = new SlidingWindow(windowMs, limit);
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

/**
 * Who shares a rate limit: `global` (one window for every client), `authorization` (one per
 * `Authorization` header value, as providers limit per token), or a function of the request
 * headers.
 *
 * @example
 * ```ts
 * import type { RateLimitKey } from '@brace/simulator';
 *
 * const perShop: RateLimitKey = (headers) => String(headers['x-shop-domain'] ?? '');
 * ```
 */
export type RateLimitKey =
  | 'global'
  | 'authorization'
  | ((headers: Readonly<Record<string, string | string[] | undefined>>) => string);

/** Keys kept at most; the least recently created windows are forgotten first. */
export const MAX_RATE_LIMIT_KEYS = 10_000;

/** One {@link RatePolicy} per key. */
export class RateLimiters {
  readonly #policies = new Map<string, RatePolicy>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly by: RateLimitKey = 'global',
  ) {}

  /** The policy of the request with these headers. */
  policyFor(headers: Readonly<Record<string, string | string[] | undefined>>): RatePolicy {
    const by = this.by;
    const key =
      by === 'global'
        ? ''
        : by === 'authorization'
          ? String(headers.authorization ?? '')
          : by(headers);
    let policy = this.#policies.get(key);
    if (policy === undefined) {
      if (this.#policies.size >= MAX_RATE_LIMIT_KEYS) {
        this.#policies.delete(this.#policies.keys().next().value as string);
      }
      policy = new RatePolicy(this.limit, this.windowMs);
      this.#policies.set(key, policy);
    }
    return policy;
  }
}
