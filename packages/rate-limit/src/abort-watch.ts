/** @internal Something that reacts to its signal's abort (a task). */
export interface AbortWaiter {
  handleEvent(): void;
}

/**
 * @internal The waiters of one signal behind a single 'abort' listener: however many tasks
 * share a signal (10,000 queued on one `AbortSignal`), the signal holds one listener, so Node
 * never prints `MaxListenersExceededWarning`; it is removed when the last waiter leaves.
 */
class Waiters extends Set<AbortWaiter> {
  handleEvent(): void {
    // A waiter leaves the set as it settles: walk a copy.
    for (const waiter of [...this]) waiter.handleEvent();
  }
}

const watched = new WeakMap<AbortSignal, Waiters>();

/** @internal Calls `waiter.handleEvent()` when `signal` aborts, until {@link unwatchAbort}. */
export function watchAbort(signal: AbortSignal, waiter: AbortWaiter): void {
  let waiters = watched.get(signal);
  if (waiters === undefined) {
    waiters = new Waiters();
    watched.set(signal, waiters);
    signal.addEventListener('abort', waiters);
  }
  waiters.add(waiter);
}

/** @internal Stops watching `signal` for `waiter`; the last one removes the listener. */
export function unwatchAbort(signal: AbortSignal | undefined, waiter: AbortWaiter): void {
  if (signal === undefined) return;
  const waiters = watched.get(signal);
  if (waiters === undefined || !waiters.delete(waiter) || waiters.size > 0) return;
  watched.delete(signal);
  signal.removeEventListener('abort', waiters);
}

/** @internal How many waiters watch `signal` (for tests). */
export function waitersOf(signal: AbortSignal): number {
  return watched.get(signal)?.size ?? 0;
}

/** @internal A signal that never aborts: what a task's function gets without a `signal`. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** @internal What a task's function gets without a `signal` (one shared frozen object). */
export const NO_SIGNAL: { readonly signal: AbortSignal } = Object.freeze({ signal: NEVER_ABORTED });

/** @internal The context a task's function gets. */
export function contextOf(signal: AbortSignal | undefined): { readonly signal: AbortSignal } {
  return signal === undefined ? NO_SIGNAL : { signal };
}
