import type { TokenSet } from './grant.js';

/**
 * What a {@link TokenStore} holds under one key.
 *
 * @example
 * ```ts
 * import type { TokenRecord } from '@brace/auth';
 *
 * const record: TokenRecord = { version: 1, token: { accessToken: 'at', tokenType: 'bearer', expiresAt: 0 } };
 * ```
 */
export interface TokenRecord {
  /** Increases with every successful save. */
  readonly version: number;
  /** The last saved token, if any. */
  readonly token?: TokenSet | undefined;
  /**
   * The fence of a refresh that was sent and never saved (its holder died or timed out):
   * the refresh token it used may have been consumed and must never be sent again.
   */
  readonly pending?: number | undefined;
}

/**
 * Shared token state for many processes: one refresher at a time under a lock with a
 * fencing token, every other process reads the stored result. Implementations must pass
 * the conformance suite in `@brace/auth/testing`.
 *
 * Fencing: `lock` returns a number greater than every fence issued before for the key.
 * `claim`, `save` and `unlock` act only while that fence is the newest one issued, so a
 * holder whose lock expired and was taken over can no longer write.
 *
 * @example
 * ```ts
 * import { createTokenManager, customGrant, memoryTokenStore, type TokenStore } from '@brace/auth';
 *
 * const store: TokenStore = memoryTokenStore();
 * const auth = createTokenManager({ grant: customGrant(async () => ({ accessToken: 'at' })), store, key: 'vendor' });
 * ```
 */
export interface TokenStore {
  /** Reads the record, or undefined when none was saved. */
  load(key: string): Promise<TokenRecord | undefined>;
  /** Takes the refresh lock for `ttlMs`; resolves the fence, or undefined while another holds it. */
  lock(key: string, ttlMs: number): Promise<number | undefined>;
  /** Marks the record pending under `fence` before a rotating refresh token is sent; false if fenced out. */
  claim(key: string, fence: number): Promise<boolean>;
  /**
   * Saves `token` if `fence` is still the newest fence: bumps the version, clears `pending`,
   * releases the lock and wakes waiters. False if fenced out (nothing written).
   */
  save(key: string, fence: number, token: TokenSet): Promise<boolean>;
  /** Releases the lock if `fence` is the newest; with `clearClaim`, also clears `pending`. */
  unlock(key: string, fence: number, clearClaim: boolean): Promise<void>;
  /**
   * Optional, recommended: extends the lock to `ttlMs` from now if `fence` still holds it
   * (newest fence, lock not expired); false otherwise. With it, the manager takes the lock
   * for a short lease (a quarter of `lockTtlMs`) and renews it while its refresh runs, so a
   * holder that dies is taken over within that lease instead of the whole `lockTtlMs`.
   */
  renew?(key: string, fence: number, ttlMs: number): Promise<boolean>;
  /**
   * Optional: resolves when the record's version moves past `version` or `signal` aborts
   * (resolving, not rejecting). Without it, waiters poll every `pollIntervalMs`.
   */
  waitForChange?(key: string, version: number, signal: AbortSignal): Promise<void>;
}

/** Keys a {@link memoryTokenStore} keeps at most (oldest evicted first). */
export const MEMORY_STORE_MAX_KEYS = 1_000;

interface MemoryEntry {
  version: number;
  token?: TokenSet | undefined;
  pending?: number | undefined;
  fence: number;
  lockedBy?: number | undefined;
  lockUntil: number;
}

/**
 * Options of {@link memoryTokenStore}.
 *
 * @example
 * ```ts
 * import { memoryTokenStore } from '@brace/auth';
 *
 * const store = memoryTokenStore({ now: () => Date.now(), maxKeys: 10 });
 * ```
 */
export interface MemoryTokenStoreOptions {
  /** The time source for lock expiry (default `Date.now`). */
  now?: () => number;
  /**
   * Keys kept at most (default {@link MEMORY_STORE_MAX_KEYS}); the oldest key is dropped first,
   * with its rotated refresh token: keep it above the number of credentials sharing the store.
   */
  maxKeys?: number;
}

/**
 * The default store: one process, no I/O. Share one between several managers of the same
 * credential in a process to refresh once for all of them.
 *
 * @param options - time source and size bound
 * @returns a {@link TokenStore}
 * @example
 * ```ts
 * import { memoryTokenStore } from '@brace/auth';
 *
 * const store = memoryTokenStore();
 * const fence = await store.lock('k', 10_000);
 * ```
 */
export function memoryTokenStore(options: MemoryTokenStoreOptions = {}): TokenStore {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? MEMORY_STORE_MAX_KEYS;
  const entries = new Map<string, MemoryEntry>();
  const waiters = new Map<string, Set<() => void>>();

  const entry = (key: string): MemoryEntry => {
    let e = entries.get(key);
    if (e === undefined) {
      e = { version: 0, fence: 0, lockUntil: 0 };
      entries.set(key, e);
      if (entries.size > maxKeys) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    }
    return e;
  };
  const wake = (key: string) => {
    const set = waiters.get(key);
    waiters.delete(key);
    for (const w of set ?? []) w();
  };

  return {
    async load(key) {
      const e = entries.get(key);
      if (e === undefined || (e.version === 0 && e.pending === undefined)) return undefined;
      return { version: e.version, token: e.token, pending: e.pending };
    },
    async lock(key, ttlMs) {
      const e = entry(key);
      const t = now();
      if (e.lockedBy !== undefined && e.lockUntil > t) return undefined;
      e.fence += 1;
      e.lockedBy = e.fence;
      e.lockUntil = t + ttlMs;
      return e.fence;
    },
    async claim(key, fence) {
      const e = entries.get(key);
      if (e === undefined || e.fence !== fence) return false;
      e.pending = fence;
      return true;
    },
    async save(key, fence, token) {
      const e = entries.get(key);
      if (e === undefined || e.fence !== fence) return false;
      e.version += 1;
      e.token = token;
      e.pending = undefined;
      e.lockedBy = undefined;
      wake(key);
      return true;
    },
    async unlock(key, fence, clearClaim) {
      const e = entries.get(key);
      if (e === undefined || e.fence !== fence) return;
      e.lockedBy = undefined;
      if (clearClaim && e.pending === fence) e.pending = undefined;
      wake(key);
    },
    async renew(key, fence, ttlMs) {
      const e = entries.get(key);
      const t = now();
      if (e === undefined || e.fence !== fence || e.lockedBy !== fence || e.lockUntil <= t) {
        return false;
      }
      e.lockUntil = t + ttlMs;
      return true;
    },
    waitForChange(key, version, signal) {
      return new Promise<void>((resolve) => {
        const e = entries.get(key);
        if ((e?.version ?? 0) !== version || signal.aborted) {
          resolve();
          return;
        }
        let set = waiters.get(key);
        if (set === undefined) {
          set = new Set();
          waiters.set(key, set);
        }
        const done = () => {
          signal.removeEventListener('abort', done);
          set.delete(done);
          resolve();
        };
        set.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
  };
}
