import type { PauseReason, RateLimitStore } from './store.js';
import {
  DEFAULT_KEY,
  type KeyStats,
  type RateLimiterOptions,
  type RateLimiterStats,
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

/** @internal What `stats()` reads of a key's state. */
export interface KeyFigures {
  readonly queued: number;
  readonly running: number;
  readonly calls: number;
  readonly blockedUntil: number;
}

/** @internal Builds `stats()` from the limiter's key states. */
export function statsOf(
  queued: number,
  running: number,
  defaultKey: KeyFigures,
  keyStates: ReadonlyMap<string, KeyFigures>,
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
