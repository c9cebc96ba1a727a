import type { Clock } from '@brace/core';
import { AuthStoreTimeoutError } from './errors.js';
import type { TokenStore } from './store.js';

/** Default `storeTimeoutMs`: 5 seconds per store call. */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;

/**
 * Races one store call with `timeoutMs` on `clock`. The bound is armed on the next macrotask:
 * a call that settles in microtasks (an in-process store) never puts a sleep on the clock, so
 * a test clock that jumps to the next sleep does not jump to it.
 */
function bounded<T>(
  operation: string,
  call: () => Promise<T>,
  timeoutMs: number,
  clock: Clock,
): Promise<T> {
  const stop = new AbortController();
  const pending = call().finally(() => stop.abort());
  const timeout = new Promise<never>((_, reject) => {
    const arm = setTimeout(() => {
      clock.sleep(timeoutMs, stop.signal).then(
        () => reject(new AuthStoreTimeoutError(operation, timeoutMs)),
        () => {}, // the call settled first
      );
    }, 0);
    stop.signal.addEventListener('abort', () => clearTimeout(arm), { once: true });
  });
  return Promise.race([pending, timeout]);
}

/**
 * `store` with every call bounded by `timeoutMs` ({@link AuthStoreTimeoutError} naming the
 * operation), except `waitForChange`, which is a wait the manager bounds itself.
 */
export function boundedStore(store: TokenStore, timeoutMs: number, clock: Clock): TokenStore {
  const out: TokenStore = {
    load: (k) => bounded('load', () => store.load(k), timeoutMs, clock),
    lock: (k, ttl) => bounded('lock', () => store.lock(k, ttl), timeoutMs, clock),
    claim: (k, f) => bounded('claim', () => store.claim(k, f), timeoutMs, clock),
    save: (k, f, t) => bounded('save', () => store.save(k, f, t), timeoutMs, clock),
    unlock: (k, f, c) => bounded('unlock', () => store.unlock(k, f, c), timeoutMs, clock),
  };
  const { renew, waitForChange } = store;
  if (renew !== undefined) {
    out.renew = (k, f, ttl) =>
      bounded('renew', () => renew.call(store, k, f, ttl), timeoutMs, clock);
  }
  if (waitForChange !== undefined) out.waitForChange = waitForChange.bind(store);
  return out;
}
