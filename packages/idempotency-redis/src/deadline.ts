/**
 * Settles with `work`, or rejects with `onTimeout()` when `work` has not settled after
 * `timeoutMs`. The timer is unref'd (it never holds the process open) and cleared as soon
 * as `work` settles. `work` itself is not cancelled: a late answer goes to `onLate` (to undo
 * what it did, e.g. release a claim nobody will use), else it is dropped.
 */
export function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(onTimeout());
    }, timeoutMs) as { unref?: () => void };
    timer.unref?.();
    work.then(
      (value) => {
        clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
        if (late) onLate?.(value);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
        reject(error);
      },
    );
  });
}
