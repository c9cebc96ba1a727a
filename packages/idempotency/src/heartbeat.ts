import type { Clock } from '@brace/core';
import { IdempotencyClaimLostError } from './errors.js';
import type { IdempotencyStore, StoreKey } from './store.js';

/** The time source of the heartbeat: `now()` and `sleep(ms)`; `manualClock` fits. */
export type HeartbeatClock = Pick<Clock, 'now' | 'sleep'>;

/** The real clock, with timers that never hold the process open. */
export const unrefClock: HeartbeatClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms) as { unref?: () => void };
      timer.unref?.();
    }),
};

/** One claim the heartbeat keeps alive. */
export interface Beat {
  readonly where: StoreKey;
  readonly token: string;
  /** When it is next due for an extension. */
  next: number;
}

/** Wake-ups without a claim (in flight or started since) before the ticker stops: one `lockTtlMs`. */
const IDLE_WAKES = 3;

/**
 * Extends the claims of running handlers while they run. No handler arms a timer of its own:
 * one ticker per middleware, started by the first claim of an idle middleware, sleeps until
 * the oldest claim in flight is `lockTtlMs / 3` old, extends every claim that old, and sleeps
 * again. A claim that starts while the ticker runs (every claim but the first of an idle
 * spell) costs a `Set` insert and delete, no timer; a handler that finishes within
 * `lockTtlMs / 3` is never extended. The ticker stops after a whole `lockTtlMs` in which no
 * claim was in flight or started. Failures are reported (phase `extend`) and retried at the next wake-up; a
 * claim found lost (taken over, expired) is reported once and no longer extended.
 */
export class Heartbeat {
  readonly #beats = new Set<Beat>();
  readonly #store: IdempotencyStore;
  readonly #lockTtlMs: number;
  readonly #period: number;
  readonly #clock: HeartbeatClock;
  readonly #report: (error: unknown) => void;
  #ticking = false;
  /** Whether a claim started since the ticker's last wake-up. */
  #started = false;

  constructor(
    store: IdempotencyStore,
    lockTtlMs: number,
    clock: HeartbeatClock,
    report: (error: unknown) => void,
  ) {
    this.#store = store;
    this.#lockTtlMs = lockTtlMs;
    this.#period = Math.max(1, Math.floor(lockTtlMs / 3));
    this.#clock = clock;
    this.#report = report;
  }

  /** How many claims are being kept alive (for tests and metrics). */
  get size(): number {
    return this.#beats.size;
  }

  /** Whether the ticker is armed (it is shared by every claim of this heartbeat). */
  get ticking(): boolean {
    return this.#ticking;
  }

  /** Starts keeping a claim alive; `undefined` when the store cannot extend claims. */
  start(where: StoreKey, token: string): Beat | undefined {
    if (typeof this.#store.extend !== 'function') return undefined;
    const beat: Beat = { where, token, next: this.#clock.now() + this.#period };
    this.#beats.add(beat);
    this.#started = true;
    if (!this.#ticking) void this.#tick(this.#period);
    return beat;
  }

  /** Stops keeping a claim alive (its handler finished). */
  stop(beat: Beat | undefined): void {
    if (beat !== undefined) this.#beats.delete(beat);
  }

  /** The ticker: sleeps `wait`, extends the claims due, and sleeps until the next is due. */
  async #tick(wait: number): Promise<void> {
    this.#ticking = true;
    let idle = 0;
    while (idle < IDLE_WAKES) {
      try {
        await this.#clock.sleep(wait);
      } catch (error) {
        // A clock that cannot sleep: report it; the next claim starts the ticker again.
        this.#report(error);
        break;
      }
      const started = this.#started;
      this.#started = false;
      if (this.#beats.size === 0) {
        idle = started ? 0 : idle + 1;
        wait = this.#period;
        continue;
      }
      idle = 0;
      const now = this.#clock.now();
      let due = Number.POSITIVE_INFINITY;
      for (const beat of this.#beats) {
        if (beat.next <= now) {
          beat.next = now + this.#period;
          void this.#extend(beat);
        }
        if (beat.next < due) due = beat.next;
      }
      // Until the next claim is due, but never in bursts: at least a quarter period apart.
      wait = Math.max(Math.ceil(this.#period / 4), due - now);
    }
    this.#ticking = false;
  }

  async #extend(beat: Beat): Promise<void> {
    try {
      const owned = await (this.#store.extend as NonNullable<IdempotencyStore['extend']>)(
        beat.where,
        beat.token,
        { lockTtlMs: this.#lockTtlMs },
      );
      if (!owned && this.#beats.delete(beat)) this.#report(new IdempotencyClaimLostError());
    } catch (error) {
      // The store failed this time: report it and try again at the next wake-up.
      this.#report(error);
    }
  }
}
