/**
 * Settles with `work`, or rejects with `onTimeout()` when `work` has not settled after
 * `timeoutMs`. The timer is unref'd (it never holds the process open) and cleared as soon
 * as `work` settles. `work` itself is not cancelled: a late answer is dropped.
 */
export function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs) as { unref?: () => void };
    timer.unref?.();
    work.then(
      (value) => {
        clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
        reject(error);
      },
    );
  });
}
