import { unwatchAbort } from './abort-watch.js';
import { RateLimitWaitTimeoutError } from './errors.js';
import type { PauseReason, RateLimitStore } from './store.js';
import { DONE, type LimiterKey, type Task } from './task.js';
import {
  DEFAULT_KEY,
  type KeyStats,
  type RateLimiterOptions,
  type RateLimiterStats,
  type RejectedEvent,
} from './types.js';

/** @internal Does nothing (a rejection sink). */
export function noop(): void {}

/** @internal Calls an `on*` callback; a throwing callback never breaks the limiter. */
export function emit<E>(callback: (event: E) => void, event: E): void {
  try {
    callback(event);
  } catch {
    // Callbacks are observers: their failures are theirs.
  }
}

/** @internal Rejects a task that will never run. `detail` is the error, or maxWaitMs for a timeout. */
export function settleTask(task: Task, reason: RejectedEvent['reason'], detail: unknown): void {
  task.state = DONE;
  unwatchAbort(task.signal, task);
  const error =
    reason === 'wait-timeout' ? new RateLimitWaitTimeoutError(task.key, detail as number) : detail;
  const limiter = task.limiter;
  if (limiter.opts.onRejected) emit(limiter.opts.onRejected, { key: task.key, reason, error });
  task.reject(error);
  limiter.maybeForget(task.ks);
}

/** @internal Records a pause in the store (errors go to `onError`) and emits `onPause`. */
export function storePause(
  store: RateLimitStore,
  opts: RateLimiterOptions,
  key: string,
  durationMs: number,
  reason: PauseReason,
  now: number,
): void {
  const report = (error: unknown) => {
    if (opts.onError) emit(opts.onError, { operation: 'pause', error });
  };
  try {
    const stored = store.pause(key, durationMs, reason, now);
    if (stored !== undefined) stored.then(noop, report);
  } catch (error) {
    report(error);
  }
  if (opts.onPause) emit(opts.onPause, { key, durationMs, reason });
}

/** @internal Builds `stats()` from the limiter's key states. */
export function statsOf(
  queued: number,
  running: number,
  defaultKey: LimiterKey,
  keyStates: Map<string, LimiterKey>,
): RateLimiterStats {
  const keys = new Map<string, KeyStats>();
  const d = defaultKey;
  if (d.queued > 0 || d.running > 0 || d.calls > 0) {
    keys.set(DEFAULT_KEY, { queued: d.queued, running: d.running, blockedUntil: d.blockedUntil });
  }
  for (const [key, ks] of keyStates) {
    keys.set(key, { queued: ks.queued, running: ks.running, blockedUntil: ks.blockedUntil });
  }
  return { queued, running, keys };
}
