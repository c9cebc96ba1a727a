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
  /** The previous beat on the heartbeat's list (internal). */
  prev?: Beat | undefined;
  /** The following beat on the heartbeat's list (internal). */
  after?: Beat | undefined;
  /** Whether the beat is on the list (started, not yet stopped or lost). */
  on?: boolean;
}

/** Wake-ups without a claim (in flight or started since) before the ticker stops: one `lockTtlMs`. */
const IDLE_WAKES = 3;

type Defer = (run: () => void) => unknown;

/**
 * Runs a callback after the current turn of the event loop (after its I/O callbacks), with no
 * timer: `setImmediate` where the runtime has it (Node, Bun, Deno); `undefined` elsewhere.
 */
const afterThisTurn: Defer | undefined = (() => {
  const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
  return typeof immediate === 'function' ? (run: () => void) => immediate(run) : undefined;
})();

/**
 * Extends the claims of running handlers while they run. No handler arms a timer of its own:
 * one ticker per middleware sleeps until the oldest claim in flight is `lockTtlMs / 3` old,
 * extends every claim that old, and sleeps again. The first claim of an idle spell does not
 * arm it: it asks for a check at the end of its turn of the event loop (`setImmediate`, not a
 * timer), which arms the ticker only if a claim is still in flight, so a handler that answers
 * within that turn arms nothing. Another claim before that check or within `lockTtlMs / 3`
 * of it (traffic) arms the ticker at once. A
 * claim that starts while the ticker runs costs a `Set` insert and delete, no timer; a
 * handler that finishes within `lockTtlMs / 3` is never extended. The ticker stops after a
 * whole `lockTtlMs` in which no claim was in flight or started. Failures are reported (phase
 * `extend`) and retried at the next wake-up; a claim found lost (taken over, expired) is
 * reported once and no longer extended. Where there is no `setImmediate`, the first claim of
 * an idle middleware arms the ticker at once.
 */
export class Heartbeat {
  // The beats, as a doubly linked list through them (no hash-table insert and delete per
  // claim, as a Set would cost): `#first` is the oldest.
  #first: Beat | undefined = undefined;
  #last: Beat | undefined = undefined;
  #count = 0;
  readonly #store: IdempotencyStore;
  readonly #lockTtlMs: number;
  readonly #period: number;
  readonly #clock: HeartbeatClock;
  readonly #report: (error: unknown) => void;
  readonly #defer: Defer | null;
  #ticking = false;
  /** Whether a check is due at the end of this turn (see {@link afterThisTurn}). */
  #arming = false;
  /** Whether a claim started since the ticker's last wake-up. */
  #started = false;
  /** When the last end-of-turn check was asked for. */
  #checked = Number.NEGATIVE_INFINITY;

  /**
   * @param defer - runs the arming check after this turn; `null` arms the ticker at once
   */
  constructor(
    store: IdempotencyStore,
    lockTtlMs: number,
    clock: HeartbeatClock,
    report: (error: unknown) => void,
    defer: Defer | null = afterThisTurn ?? null,
  ) {
    this.#store = store;
    this.#lockTtlMs = lockTtlMs;
    this.#period = Math.max(1, Math.floor(lockTtlMs / 3));
    this.#clock = clock;
    this.#report = report;
    this.#defer = defer;
  }

  /** How many claims are being kept alive (for tests and metrics). */
  get size(): number {
    return this.#count;
  }

  /** Whether the ticker is armed (it is shared by every claim of this heartbeat). */
  get ticking(): boolean {
    return this.#ticking;
  }

  /** Starts keeping a claim alive; `undefined` when the store cannot extend claims. */
  start(where: StoreKey, token: string): Beat | undefined {
    if (typeof this.#store.extend !== 'function') return undefined;
    const now = this.#clock.now();
    const beat: Beat = {
      where,
      token,
      next: now + this.#period,
      prev: this.#last,
      after: undefined,
      on: true,
    };
    if (this.#last === undefined) this.#first = beat;
    else this.#last.after = beat;
    this.#last = beat;
    this.#count++;
    this.#started = true;
    if (!this.#ticking) {
      // The first claim of an idle spell only asks for a check at the end of its turn; another
      // before that check or within one period of it (traffic) arms the ticker, which then
      // serves every claim: one wake-up per period, not one `setImmediate` per turn.
      if (this.#defer === null || this.#arming || now - this.#checked < this.#period) {
        void this.#tick(this.#period);
      } else {
        this.#checked = now;
        this.#arming = true;
        this.#defer(this.#armIfRunning);
      }
    }
    return beat;
  }

  /** After the turn of the first claim: arms the ticker if a claim is still in flight. */
  readonly #armIfRunning = (): void => {
    this.#arming = false;
    if (this.#ticking || this.#count === 0) return; // every handler answered: no timer
    let due = Number.POSITIVE_INFINITY;
    for (let beat = this.#first; beat !== undefined; beat = beat.after) {
      if (beat.next < due) due = beat.next;
    }
    void this.#tick(Math.max(1, due - this.#clock.now()));
  };

  /** Stops keeping a claim alive (its handler finished). */
  stop(beat: Beat | undefined): void {
    if (beat !== undefined) this.#remove(beat);
  }

  /** Takes a beat off the list; whether it was on it. */
  #remove(beat: Beat): boolean {
    if (beat.on !== true) return false;
    beat.on = false;
    if (beat.prev === undefined) this.#first = beat.after;
    else beat.prev.after = beat.after;
    if (beat.after === undefined) this.#last = beat.prev;
    else beat.after.prev = beat.prev;
    // The links stay: a tick walking the list from this beat still reaches the next one.
    this.#count--;
    return true;
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
      if (this.#count === 0) {
        idle = started ? 0 : idle + 1;
        wait = this.#period;
        continue;
      }
      idle = 0;
      const now = this.#clock.now();
      let due = Number.POSITIVE_INFINITY;
      for (let beat = this.#first; beat !== undefined; beat = beat.after) {
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
      if (!owned && this.#remove(beat)) this.#report(new IdempotencyClaimLostError());
    } catch (error) {
      // The store failed this time: report it and try again at the next wake-up.
      this.#report(error);
    }
  }
}
