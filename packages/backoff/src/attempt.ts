import type { Clock } from '@brace/core';

/** @internal A signal that never aborts: what `fn` gets when there is nothing to cancel. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/**
 * @internal Runs one attempt with its own deadline: `fn` gets a signal that aborts when the
 * caller's `signal` does or when `timeoutMs` (on `clock`) is over, with a `TimeoutError`
 * `DOMException`; the attempt then settles at once with that reason, even if `fn` ignores its
 * signal (its late result is dropped).
 */
export async function runWithTimeout<T>(
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  clock: Clock,
): Promise<T> {
  const controller = new AbortController();
  const attempt = controller.signal;
  const forward = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forward);
  const timer = new AbortController();
  clock.sleep(timeoutMs, timer.signal).then(() => {
    controller.abort(
      new DOMException(
        `The attempt took longer than attemptTimeoutMs (${timeoutMs} ms).`,
        'TimeoutError',
      ),
    );
  }, never);
  const stopped = new Promise<never>((_, reject) => {
    attempt.addEventListener('abort', () => reject(attempt.reason));
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(attempt)), stopped]);
  } finally {
    timer.abort();
    signal?.removeEventListener('abort', forward);
  }
}
