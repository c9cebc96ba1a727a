import type { ManualClock } from '@brace/core';

/** Drives a manual clock until `promise` settles: wakes each sleep as soon as it is pending. */
export async function settle<T>(
  promise: Promise<T>,
  clock: ManualClock,
): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const result = promise.then(
    (value) => {
      done = true;
      return { value };
    },
    (error: unknown) => {
      done = true;
      return { error };
    },
  );
  const deadline = Date.now() + 10_000;
  while (!done && Date.now() < deadline) {
    if (clock.pending > 0) await clock.next();
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return result;
}
