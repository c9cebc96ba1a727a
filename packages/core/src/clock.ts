/**
 * The source of time for everything in Brace that waits, expires or measures.
 * Inject {@link manualClock} in tests so that nothing sleeps for real.
 *
 * @example
 * ```ts
 * import { systemClock, type Clock } from '@brace/core';
 *
 * async function pause(clock: Clock = systemClock) {
 *   const start = clock.now();
 *   await clock.sleep(100);
 *   return clock.now() - start; // ~100
 * }
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, like `Date.now()`. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects at once with `signal.reason` when the signal
   * aborts, and without waiting when it is already aborted.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay a timer holds (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** The reason to reject with when a signal aborted without one (always has one in practice). */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The real clock: `Date.now()` and `setTimeout`. A sleep holds no timer after an abort,
 * and never keeps a finished process alive longer than the sleep itself. Delays beyond what one
 * timer holds (2^31 - 1 ms, about 24.8 days) are waited out in full, not cut to 1 ms.
 *
 * @example
 * ```ts
 * import { systemClock } from '@brace/core';
 *
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(new Error('shutting down')), 50);
 * await systemClock.sleep(10_000, controller.signal); // rejects after ~50 ms
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      // Timers hold at most 2^31 - 1 ms; a longer delay would fire after 1 ms, so it is
      // waited out in steps. NaN and negatives mean no wait.
      let remaining = Math.max(0, ms) || 0;
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const step = () => {
        const wait = Math.min(remaining, MAX_TIMER_MS);
        remaining -= wait;
        return setTimeout(remaining > 0 ? onStep : onDone, wait);
      };
      const onStep = () => {
        timer = step();
      };
      const onDone = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      let timer = step();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/**
 * A {@link Clock} whose time only moves when a test says so.
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 *
 * const clock = manualClock({ now: 0 });
 * const done = clock.sleep(1000);
 * await clock.advance(1000); // resolves `done`
 * ```
 */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, resolving every sleep that falls due, in time order; each
   * sleeper's continuation runs (microtasks flushed) before the next one is woken, so
   * sleeps scheduled by woken code inside the window are honoured too.
   */
  advance(ms: number): Promise<void>;
  /** Sets the time to `at` (must not be earlier than now) and resolves sleeps due by then. */
  advanceTo(at: number): Promise<void>;
  /** Advances to the next pending sleep's deadline and resolves it; returns false if none. */
  next(): Promise<boolean>;
  /** Advances sleep by sleep until none is pending (at most `maxSteps` wake-ups). */
  runAll(maxSteps?: number): Promise<void>;
  /** How many sleeps are pending. */
  readonly pending: number;
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Lets queued promise continuations run, so code woken by a sleep can schedule more. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  // One macrotask turn too, for continuations queued behind I/O-free callbacks.
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  await new Promise<void>((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Creates a {@link ManualClock} for deterministic tests: `now()` starts at `options.now`
 * (default 0) and sleeps resolve only when `advance`, `advanceTo`, `next` or `runAll`
 * move time past their deadline.
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 *
 * const clock = manualClock({ now: Date.UTC(2026, 0, 1) });
 * let woke = false;
 * clock.sleep(500).then(() => { woke = true; });
 * await clock.advance(499); // woke === false
 * await clock.advance(1);   // woke === true
 * ```
 */
export function manualClock(options: { now?: number } = {}): ManualClock {
  let current = options.now ?? 0;
  let seq = 0;
  const sleepers: Sleeper[] = [];

  const wakeDue = async (until: number) => {
    for (;;) {
      sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const first = sleepers[0];
      if (!first || first.at > until) break;
      sleepers.shift();
      current = Math.max(current, first.at);
      first.resolve();
      await flushMicrotasks();
    }
    current = Math.max(current, until);
    await flushMicrotasks();
  };

  return {
    now: () => current,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          at: current + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          reject(abortReason(signal as AbortSignal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    advance: (ms) => wakeDue(current + ms),
    advanceTo(at) {
      if (at < current) throw new RangeError(`advanceTo(${at}) is earlier than now (${current})`);
      return wakeDue(at);
    },
    async next() {
      sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const first = sleepers[0];
      if (!first) return false;
      await wakeDue(first.at);
      return true;
    },
    async runAll(maxSteps = 10_000) {
      for (let i = 0; i < maxSteps; i++) {
        if (!(await this.next())) return;
      }
      throw new Error(`manualClock.runAll: still sleeping after ${maxSteps} wake-ups`);
    },
    get pending() {
      return sleepers.length;
    },
  };
}
