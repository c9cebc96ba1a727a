import { type Clock, systemClock } from '@brace/core';
import { CacheOptionError } from './errors.js';
import type { CacheEntry, CacheStore } from './store.js';

/**
 * Default bound on the number of entries of {@link memoryStore}: 1,000.
 *
 * @example
 * ```ts
 * import { DEFAULT_MEMORY_MAX_ENTRIES } from '@brace/cache';
 *
 * console.log(DEFAULT_MEMORY_MAX_ENTRIES); // 1000
 * ```
 */
export const DEFAULT_MEMORY_MAX_ENTRIES = 1000;

/**
 * Default bound on the body bytes held by {@link memoryStore}: 50 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MEMORY_MAX_BYTES } from '@brace/cache';
 *
 * console.log(DEFAULT_MEMORY_MAX_BYTES); // 52428800
 * ```
 */
export const DEFAULT_MEMORY_MAX_BYTES = 50 * 1024 * 1024;

/**
 * Options of {@link memoryStore}.
 *
 * @example
 * ```ts
 * import type { MemoryStoreOptions } from '@brace/cache';
 *
 * const options: MemoryStoreOptions = { maxEntries: 500, maxBytes: 10_000_000 };
 * ```
 */
export interface MemoryStoreOptions {
  /** Most entries kept (1 to 10,000,000); the least recently used goes first. Default {@link DEFAULT_MEMORY_MAX_ENTRIES}. */
  maxEntries?: number;
  /** Most body bytes kept (1 to 2^53 - 1); the least recently used go first. Default {@link DEFAULT_MEMORY_MAX_BYTES}. */
  maxBytes?: number;
  /** The source of time for expiry. Default `systemClock` from `@brace/core`. */
  clock?: Pick<Clock, 'now'>;
}

/**
 * A memory store with the size of its contents exposed, for tests and metrics.
 *
 * @example
 * ```ts
 * import { memoryStore } from '@brace/cache';
 *
 * const store = memoryStore();
 * console.log(store.size, store.bytes); // 0 0
 * ```
 */
export interface MemoryCacheStore extends CacheStore {
  /** Entries held now (expired ones count until they are touched or evicted). */
  readonly size: number;
  /** Body bytes held now. */
  readonly bytes: number;
}

interface Slot {
  entry: CacheEntry;
  expiresAt: number;
  bytes: number;
}

interface LockSlot {
  token: string;
  expiresAt: number;
}

function boundOption(name: string, value: number | undefined, fallback: number, max: number) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CacheOptionError(name, `an integer from 1 to ${max}`);
  }
  return value;
}

/**
 * The in-process store (the default of `createCache`): an LRU bounded by entries and by body
 * bytes, with per-entry expiry. Entries are kept as they are, bodies byte for byte. Its locks
 * coalesce only within the process: for several processes use the Redis or SQLite store.
 *
 * @example
 * ```ts
 * import { createCache, memoryStore } from '@brace/cache';
 *
 * const cache = createCache({ store: memoryStore({ maxEntries: 10_000, maxBytes: 100_000_000 }) });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryCacheStore {
  const maxEntries = boundOption('maxEntries', options.maxEntries, DEFAULT_MEMORY_MAX_ENTRIES, 1e7);
  const maxBytes = boundOption(
    'maxBytes',
    options.maxBytes,
    DEFAULT_MEMORY_MAX_BYTES,
    Number.MAX_SAFE_INTEGER,
  );
  const clock = options.clock ?? systemClock;
  const slots = new Map<string, Slot>();
  const locks = new Map<string, LockSlot>();
  let lockCount = 0;
  let bytes = 0;
  /** The key last moved to (or set at) the end of `slots`, while it is still there. */
  let last: string | undefined;

  const drop = (key: string, slot: Slot) => {
    slots.delete(key);
    bytes -= slot.bytes;
    if (key === last) last = undefined;
  };

  return {
    get size() {
      return slots.size;
    },
    get bytes() {
      return bytes;
    },
    get(key) {
      const slot = slots.get(key);
      if (slot === undefined) return undefined;
      if (slot.expiresAt <= clock.now()) {
        drop(key, slot);
        return undefined;
      }
      // Most recently used goes last (already there when it was the last one read or written).
      if (key !== last) {
        slots.delete(key);
        slots.set(key, slot);
        last = key;
      }
      return slot.entry;
    },
    set(key, entry, ttlMs) {
      const old = slots.get(key);
      if (old !== undefined) drop(key, old);
      const size = entry.body.byteLength;
      if (size > maxBytes) return;
      slots.set(key, { entry, expiresAt: clock.now() + Math.max(1, ttlMs), bytes: size });
      last = key;
      bytes += size;
      for (const [k, slot] of slots) {
        if (slots.size <= maxEntries && bytes <= maxBytes) break;
        drop(k, slot);
      }
    },
    delete(key) {
      const slot = slots.get(key);
      if (slot !== undefined) drop(key, slot);
    },
    lock(key, ttlMs) {
      const now = clock.now();
      const held = locks.get(key);
      if (held !== undefined && held.expiresAt > now) return undefined;
      if (locks.size >= maxEntries) {
        for (const [k, l] of locks) if (l.expiresAt <= now) locks.delete(k);
        if (locks.size >= maxEntries) return undefined;
      }
      // Unique within this store, which is all a token is compared against: no random bytes.
      const token = `lock-${++lockCount}`;
      locks.set(key, { token, expiresAt: now + Math.max(1, ttlMs) });
      return token;
    },
    unlock(key, token) {
      if (locks.get(key)?.token === token) locks.delete(key);
    },
  };
}
