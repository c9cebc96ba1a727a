import type { Clock } from '@brace/core';

/** Runs `fn` after `ms`; a newer call replaces the pending one. */
export type Schedule = (ms: number, fn: () => unknown) => void;

/**
 * A one-slot timer: on the injected clock when there is one (tests), else on `setTimeout`,
 * unref'd so a pending refresh never keeps a process alive. Stops when `signal` aborts.
 */
export function timer(clock: Clock | undefined, signal: AbortSignal): Schedule {
  let pending: AbortController | undefined;
  let handle: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    pending?.abort();
    if (handle !== undefined) clearTimeout(handle);
    pending = undefined;
    handle = undefined;
  };
  signal.addEventListener('abort', cancel, { once: true });
  return (ms, fn) => {
    cancel();
    if (signal.aborted) return;
    const delay = Math.max(0, Math.min(ms, 2_147_483_647));
    const run = () => {
      pending = undefined;
      handle = undefined;
      if (!signal.aborted)
        void Promise.resolve()
          .then(fn)
          .catch(() => {});
    };
    if (clock !== undefined) {
      const controller = new AbortController();
      pending = controller;
      clock.sleep(delay, controller.signal).then(run, () => {});
      return;
    }
    handle = setTimeout(run, delay);
    (handle as { unref?: () => void }).unref?.();
  };
}
