import { type Clock, systemClock } from '@brace/core';
import { checkInteger, IdempotencyStoreError } from './errors.js';
import type {
  BeginOptions,
  BeginResult,
  CompleteOptions,
  ExtendOptions,
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
   * completed record is evicted first; a claim in progress never is (when all entries are
   * live claims, `begin` rejects and the middleware answers 503). Default
   * {@link DEFAULT_MEMORY_STORE_MAX_ENTRIES}.
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
  /** The entry's scope and key (to delete it when evicted or swept). */
  readonly scope: string;
  readonly key: string;
  /** The map of the entry's scope, holding it under its key. */
  readonly bucket: Map<string, Entry>;
  fingerprint: string;
  /** The owner's token while in progress; `undefined` once completed. */
  token: string | undefined;
  lockExpiresAt: number;
  expiresAt: number;
  record: StoredResponse | undefined;
  /** The list the entry is on: claims in progress, or completed records. */
  list: List | undefined;
  /** The next newer entry on its list (`undefined` at the newest end). */
  newer: Entry | undefined;
  /** The next older entry on its list (`undefined` at the oldest end). */
  older: Entry | undefined;
}

/** A doubly linked list through the entries, oldest first. */
interface List {
  oldest: Entry | undefined;
  newest: Entry | undefined;
}

/** How many entries each insert inspects for expiry (the sweep hand moves on from there). */
const SWEEP_PER_INSERT = 4;

/** The headers of a record without any (frozen, shared by every such record). */
const NO_HEADERS = Object.freeze([]) as unknown as Array<[string, string]>;

function sameHeaders(
  a: ReadonlyArray<readonly [string, string]>,
  b: ReadonlyArray<readonly [string, string]>,
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as readonly [string, string];
    const y = b[i] as readonly [string, string];
    if (x[0] !== y[0] || x[1] !== y[1]) return false;
  }
  return true;
}

/**
 * Creates an in-memory {@link IdempotencyStore}: a bounded map with TTL expiry. Good for one
 * process and for tests; use a shared store (SQLite, Redis, PostgreSQL adapters) when
 * several processes serve the same keys.
 *
 * Memory stays bounded: at most `maxEntries` records; an expired record is removed when it
 * is next touched, and each insert sweeps a few records that expired. When full, the least
 * recently used *completed* record is evicted, or else a claim whose lock expired. A claim
 * in progress is never evicted (its handler is running: a retry must get 409, not run it
 * again): when every entry is a live claim, `begin` rejects with
 * {@link IdempotencyStoreError} (store `memory`), which the middleware answers with 503 and
 * `Retry-After`. Stored bodies are copied, so the caller may reuse its buffer.
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
  // The maps only find entries, by scope then key; they are never iterated (iterating a Map
  // that sees many deletes walks over their holes). Two levels, not one map of joined
  // strings: a route's requests share one scope string, whose hash is computed once, and the
  // key's hash once a request, where a joined string would be built and hashed at every call.
  // Entries sit on one of two linked lists: `claims` (in
  // progress, oldest claim first) and `done` (completed, least recently used first). Only
  // `done`, or a claim whose lock expired, is ever evicted. A sweep hand on each list walks
  // it from oldest to newest a few entries per insert, wrapping around, so every expired
  // entry is removed within `size / SWEEP_PER_INSERT` inserts: O(1) work per call.
  const scopes = new Map<string, Map<string, Entry>>();
  let count = 0;
  const claims: List = { oldest: undefined, newest: undefined };
  const done: List = { oldest: undefined, newest: undefined };
  let hand: Entry | undefined;
  let claimHand: Entry | undefined;
  // Tokens only prove ownership inside this store and never leave the process: a counter is
  // unique for the store's lifetime, and much cheaper than crypto.randomUUID().
  let issued = 0;
  // The headers of the last record stored, frozen: most responses of a route carry the same
  // ones (a content type), so equal headers share one frozen copy instead of one per record.
  let lastHeaders: Array<[string, string]> = NO_HEADERS;

  /** A frozen copy of `headers`, shared with the previous record when they are equal. */
  function headersOf(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
    if (sameHeaders(headers, lastHeaders)) return lastHeaders;
    if (headers.length === 0) return NO_HEADERS;
    const copy = headers.map(([name, value]) => Object.freeze([name, value]) as [string, string]);
    lastHeaders = Object.freeze(copy) as Array<[string, string]>;
    return lastHeaders;
  }

  function unlink(entry: Entry): void {
    const list = entry.list as List;
    if (hand === entry) hand = entry.newer;
    if (claimHand === entry) claimHand = entry.newer;
    if (entry.older === undefined) list.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) list.newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
    entry.list = undefined;
  }

  function append(entry: Entry, list: List): void {
    entry.list = list;
    entry.older = list.newest;
    if (list.newest === undefined) list.oldest = entry;
    else list.newest.newer = entry;
    list.newest = entry;
  }

  function remove(entry: Entry): void {
    unlink(entry);
    const bucket = entry.bucket;
    bucket.delete(entry.key);
    count--;
    // An empty scope's map goes too (entries on the lists are all in the current maps).
    if (bucket.size === 0) scopes.delete(entry.scope);
  }

  function sweep(now: number): void {
    for (let i = 0; i < SWEEP_PER_INSERT; i++) {
      const at = hand ?? done.oldest;
      if (at === undefined) break;
      hand = at.newer;
      if (at.expiresAt <= now) remove(at);
    }
    for (let i = 0; i < SWEEP_PER_INSERT; i++) {
      const at = claimHand ?? claims.oldest;
      if (at === undefined) break;
      claimHand = at.newer;
      if (at.expiresAt <= now) remove(at);
    }
  }

  /** Makes room for one entry, or throws when every entry is a live claim. */
  function makeRoom(now: number): void {
    if (count < maxEntries) return;
    if (done.oldest !== undefined) {
      remove(done.oldest);
      return;
    }
    // Claims are appended when taken or extended: the oldest has the earliest lock for one lockTtlMs.
    const claim = claims.oldest as Entry;
    if (claim.lockExpiresAt <= now) {
      remove(claim);
      return;
    }
    throw new IdempotencyStoreError(
      'memory',
      'begin',
      undefined,
      `all ${maxEntries} entries are claims whose handlers are still running; raise maxEntries above your peak of concurrent keyed requests plus the keys completed per ttlMs`,
    );
  }

  /** The live entry for `where`, or undefined (an expired one is removed). */
  function live(where: StoreKey, now: number): Entry | undefined {
    const entry = scopes.get(where.scope)?.get(where.key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      remove(entry);
      return undefined;
    }
    return entry;
  }

  return {
    get size() {
      return count;
    },
    clear() {
      scopes.clear();
      count = 0;
      claims.oldest = undefined;
      claims.newest = undefined;
      done.oldest = undefined;
      done.newest = undefined;
      hand = undefined;
      claimHand = undefined;
    },
    begin(where: StoreKey, fingerprint: string, opts: BeginOptions): Promise<BeginResult> {
      const now = clock.now();
      const entry = live(where, now);
      if (entry !== undefined) {
        const lockHeld = entry.token === undefined || entry.lockExpiresAt > now;
        if (lockHeld) {
          // Touch a completed record: move it to the most recently used end.
          if (entry.list === done && entry !== done.newest) {
            unlink(entry);
            append(entry, done);
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
      sweep(now);
      try {
        makeRoom(now);
      } catch (error) {
        return Promise.reject(error);
      }
      const token = `t${++issued}`;
      const scope = where.scope;
      let bucket = scopes.get(scope);
      if (bucket === undefined) {
        bucket = new Map();
        scopes.set(scope, bucket);
      }
      const claim: Entry = {
        scope,
        key: where.key,
        bucket,
        fingerprint,
        token,
        lockExpiresAt: now + opts.lockTtlMs,
        expiresAt: now + Math.max(opts.ttlMs, opts.lockTtlMs),
        record: undefined,
        list: undefined,
        newer: undefined,
        older: undefined,
      };
      bucket.set(where.key, claim);
      count++;
      append(claim, claims);
      return Promise.resolve({ status: 'acquired', token });
    },
    complete(
      where: StoreKey,
      token: string,
      record: StoredResponse,
      opts: CompleteOptions,
    ): Promise<boolean> {
      const now = clock.now();
      const entry = live(where, now);
      if (entry === undefined || entry.token !== token) return Promise.resolve(false);
      entry.token = undefined;
      entry.record = {
        status: record.status,
        headers: headersOf(record.headers),
        body: new Uint8Array(record.body),
      };
      entry.expiresAt = now + opts.ttlMs;
      unlink(entry);
      append(entry, done);
      return Promise.resolve(true);
    },
    release(where: StoreKey, token: string): Promise<boolean> {
      const entry = live(where, clock.now());
      if (entry === undefined || entry.token !== token) return Promise.resolve(false);
      remove(entry);
      return Promise.resolve(true);
    },
    extend(where: StoreKey, token: string, opts: ExtendOptions): Promise<boolean> {
      const now = clock.now();
      const entry = live(where, now);
      if (entry === undefined || entry.token !== token) return Promise.resolve(false);
      entry.lockExpiresAt = now + opts.lockTtlMs;
      entry.expiresAt = Math.max(entry.expiresAt, entry.lockExpiresAt);
      // Keep the claims list in lock order (makeRoom looks at its oldest end only).
      if (entry !== claims.newest) {
        unlink(entry);
        append(entry, claims);
      }
      return Promise.resolve(true);
    },
  };
}
