import { type Clock, systemClock } from '@brace/core';

/**
 * A sleep whose timer does not keep the process alive (the token manager's proactive refresh
 * waits most of an hour on it), rejecting with the signal's reason on abort.
 */
function unrefSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, Math.min(ms, 2_147_483_647)),
    );
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A wall clock that can be moved ahead: the demo's way to let an access token's lifetime pass. */
export interface ShiftedClock extends Clock {
  /** Moves `now()` ahead by `ms` (sleeps stay real). */
  advance(ms: number): void;
  /** How far `now()` is ahead of the system clock, ms. */
  readonly offsetMs: number;
}

/**
 * The system clock plus an offset (its sleeps do not keep the process alive) the demo moves ahead once, at the campaign's midpoint. The
 * simulator's authorization server and the Brace token manager both read it, as a real
 * provider and a real client both read the wall clock: when it jumps one token lifetime ahead,
 * the token the naive client holds is expired on the server, and the Brace token manager (which
 * kept the `expires_in` the server sent) knows it.
 */
export function shiftedClock(): ShiftedClock {
  let offset = 0;
  return {
    now: () => systemClock.now() + offset,
    sleep: (ms, signal) => unrefSleep(ms, signal),
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('A clock only moves ahead.');
      offset += ms;
    },
    get offsetMs() {
      return offset;
    },
  };
}
