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

/**
 * Extends the claims of running handlers while they run. One loop per middleware (not one
 * timer per request) wakes every `lockTtlMs / 3` while claims are in flight and extends each
 * claim that has run at least that long, so its lock never runs out while its handler is
 * alive; a handler that finishes within `lockTtlMs / 3` is never extended. The loop ends at
 * the first wake-up that finds no claim. Failures are reported (phase `extend`); a claim
 * found lost (taken over, expired) is no longer extended.
 */
export class Heartbeat {
  readonly #beats = new Set<Beat>();
  readonly #store: IdempotencyStore;
  readonly #lockTtlMs: number;
  readonly #period: number;
  readonly #clock: HeartbeatClock;
  readonly #report: (error: unknown) => void;
  #running = false;

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

  /** Starts keeping a claim alive; `undefined` when the store cannot extend claims. */
  start(where: StoreKey, token: string): Beat | undefined {
    if (typeof this.#store.extend !== 'function') return undefined;
    const beat: Beat = { where, token, next: this.#clock.now() + this.#period };
    this.#beats.add(beat);
    if (!this.#running) void this.#loop();
    return beat;
  }

  /** Stops keeping a claim alive (its handler finished). */
  stop(beat: Beat | undefined): void {
    if (beat !== undefined) this.#beats.delete(beat);
  }

  async #loop(): Promise<void> {
    this.#running = true;
    while (this.#beats.size > 0) {
      await this.#clock.sleep(this.#period);
      const now = this.#clock.now();
      for (const beat of this.#beats) {
        if (beat.next > now) continue;
        beat.next = now + this.#period;
        void this.#extend(beat);
      }
    }
    this.#running = false;
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
