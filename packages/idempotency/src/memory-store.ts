import { type Clock, systemClock } from '@brace/core';
import { checkInteger } from './errors.js';
import type {
  BeginOptions,
  BeginResult,
  CompleteOptions,
  IdempotencyStore,
  StoredResponse,
  StoreKey,
} from './store.js';

/**
 * Default {@link MemoryStoreOptions.maxEntries}: 10,000 records.
 *
 * @example
 * ```ts
 * import { DEFAULT_MEMORY_STORE_MAX_ENTRIES, memoryStore } from '@brace/idempotency';
 *
 * const store = memoryStore({ maxEntries: DEFAULT_MEMORY_STORE_MAX_ENTRIES * 5 });
 * ```
 */
export const DEFAULT_MEMORY_STORE_MAX_ENTRIES = 10_000;

/**
 * Options of {@link memoryStore}.
 *
 * @example
 * ```ts
 * import type { MemoryStoreOptions } from '@brace/idempotency';
 *
 * const options: MemoryStoreOptions = { maxEntries: 50_000 };
 * ```
 */
export interface MemoryStoreOptions {
  /**
   * The most records kept at once (1 to 10,000,000). When full, the least recently used
   * record is evicted first. Default {@link DEFAULT_MEMORY_STORE_MAX_ENTRIES}.
   */
  maxEntries?: number;
  /** The source of time for TTLs. Default: `systemClock` from `@brace/core`. */
  clock?: Pick<Clock, 'now'>;
}

/**
 * An {@link IdempotencyStore} held in memory, with the size and entry count visible for
 * tests and metrics.
 *
 * @example
 * ```ts
 * import { memoryStore } from '@brace/idempotency';
 *
 * const store = memoryStore({ maxEntries: 1000 });
 * console.log(store.size); // 0
 * ```
 */
export interface MemoryStore extends IdempotencyStore {
  /** How many records (in progress or completed, not yet swept) the store holds. */
  readonly size: number;
  /** Drops every record. */
  clear(): void;
}

interface Entry {
  /** The entry's map key (to delete it when evicted or swept). */
  readonly id: string;
  fingerprint: string;
  /** The owner's token while in progress; `undefined` once completed. */
  token: string | undefined;
  lockExpiresAt: number;
  expiresAt: number;
  record: StoredResponse | undefined;
  /** The next more recently used entry (`undefined` at the most recently used end). */
  newer: Entry | undefined;
  /** The next less recently used entry (`undefined` at the least recently used end). */
  older: Entry | undefined;
}

/** How many entries each insert inspects for expiry (the sweep hand moves on from there). */
const SWEEP_PER_INSERT = 4;

/** An unambiguous map key for a scope and a key (the scope's length prefixes it). */
function mapKey(where: StoreKey): string {
  return `${where.scope.length}:${where.scope}${where.key}`;
}

/**
 * Creates an in-memory {@link IdempotencyStore}: a bounded LRU map with TTL expiry. Good
 * for one process and for tests; use a shared store (SQLite, Redis, PostgreSQL adapters)
 * when several processes serve the same keys.
 *
 * Memory stays bounded: at most `maxEntries` records; an expired record is removed when it
 * is next touched, and each insert sweeps the least recently used records that expired.
 * When full, the least recently used record is evicted, even an in-progress one (its
 * owner's `complete` then resolves `false`), so size `maxEntries` above your peak number of
 * keys per `ttlMs`. Stored bodies are copied, so the caller may reuse its buffer.
 *
 * @example
 * ```ts
 * import { memoryStore } from '@brace/idempotency';
 * import { withIdempotency } from '@brace/idempotency/fetch';
 *
 * const store = memoryStore({ maxEntries: 10_000 });
 * const handler = withIdempotency(createOrder, { store });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MEMORY_STORE_MAX_ENTRIES;
  checkInteger('maxEntries', maxEntries, 1, 10_000_000);
  const clock = options.clock ?? systemClock;
  // The Map only finds entries by id; it is never iterated (iterating a Map that sees many
  // deletes walks over their holes). Recency lives in a doubly linked list through the
  // entries: `oldest` is evicted first, `newest` is the last touched. A sweep hand walks the
  // list from oldest to newest a few entries per insert, wrapping around, so every expired
  // entry is removed within `size / SWEEP_PER_INSERT` inserts: O(1) work per call.
  const entries = new Map<string, Entry>();
  let oldest: Entry | undefined;
  let newest: Entry | undefined;
  let hand: Entry | undefined;
  // Tokens only prove ownership inside this store and never leave the process: a counter is
  // unique for the store's lifetime, and much cheaper than crypto.randomUUID().
  let issued = 0;

  function unlink(entry: Entry): void {
    if (hand === entry) hand = entry.newer;
    if (entry.older === undefined) oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  function append(entry: Entry): void {
    entry.older = newest;
    if (newest === undefined) oldest = entry;
    else newest.newer = entry;
    newest = entry;
  }

  function remove(entry: Entry): void {
    unlink(entry);
    entries.delete(entry.id);
  }

  function insert(entry: Entry, now: number): void {
    for (let i = 0; i < SWEEP_PER_INSERT; i++) {
      const at = hand ?? oldest;
      if (at === undefined) break;
      hand = at.newer;
      if (at.expiresAt <= now) remove(at);
    }
    if (entries.size >= maxEntries) remove(oldest as Entry);
    entries.set(entry.id, entry);
    append(entry);
  }

  /** The live entry for `id`, or undefined (an expired one is removed). */
  function live(id: string, now: number): Entry | undefined {
    const entry = entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      remove(entry);
      return undefined;
    }
    return entry;
  }

  return {
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      oldest = undefined;
      newest = undefined;
      hand = undefined;
    },
    begin(where: StoreKey, fingerprint: string, opts: BeginOptions): Promise<BeginResult> {
      const now = clock.now();
      const id = mapKey(where);
      const entry = live(id, now);
      if (entry !== undefined) {
        const lockHeld = entry.token === undefined || entry.lockExpiresAt > now;
        if (lockHeld) {
          // Touch: move to the most recently used end.
          if (entry !== newest) {
            unlink(entry);
            append(entry);
          }
          if (entry.fingerprint !== fingerprint) return Promise.resolve({ status: 'mismatch' });
          if (entry.record !== undefined) {
            return Promise.resolve({ status: 'completed', record: entry.record });
          }
          return Promise.resolve({
            status: 'in-progress',
            retryAfterMs: entry.lockExpiresAt - now,
          });
        }
        // The owner's lock expired: the claim is taken over below with a new token.
        remove(entry);
      }
      const token = `t${++issued}`;
      insert(
        {
          id,
          fingerprint,
          token,
          lockExpiresAt: now + opts.lockTtlMs,
          expiresAt: now + Math.max(opts.ttlMs, opts.lockTtlMs),
          record: undefined,
          newer: undefined,
          older: undefined,
        },
        now,
      );
      return Promise.resolve({ status: 'acquired', token });
    },
    complete(
      where: StoreKey,
      token: string,
      record: StoredResponse,
      opts: CompleteOptions,
    ): Promise<boolean> {
      const now = clock.now();
      const entry = live(mapKey(where), now);
      if (entry === undefined || entry.token !== token) return Promise.resolve(false);
      entry.token = undefined;
      entry.record = {
        status: record.status,
        headers: record.headers.map(([name, value]) => [name, value]),
        body: new Uint8Array(record.body),
      };
      entry.expiresAt = now + opts.ttlMs;
      return Promise.resolve(true);
    },
    release(where: StoreKey, token: string): Promise<boolean> {
      const entry = live(mapKey(where), clock.now());
      if (entry === undefined || entry.token !== token) return Promise.resolve(false);
      remove(entry);
      return Promise.resolve(true);
    },
  };
}
