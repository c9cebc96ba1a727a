import { DEFAULT_MAX_KEYS as CORE_DEFAULT_MAX_KEYS } from '@brace/core';

/**
 * Default bound on how many keys (hosts) a budget or breaker tracks: 10,000 — `@brace/core`'s
 * `DEFAULT_MAX_KEYS`, the same bound (and name) for every Brace per-key map.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_KEYS } from '@brace/backoff';
 *
 * console.log(DEFAULT_MAX_KEYS); // 10000
 * ```
 */
export const DEFAULT_MAX_KEYS: number = CORE_DEFAULT_MAX_KEYS;

/**
 * A Map of per-key state bounded by size (least recently used evicted first) and by idle
 * time (state unused for `ttlMs` is dropped and started afresh).
 */
export class KeyedState<T> {
  readonly #map = new Map<string, { state: T; touched: number }>();
  readonly #create: () => T;
  readonly #maxKeys: number;
  readonly #ttlMs: number;

  constructor(create: () => T, maxKeys: number, ttlMs: number) {
    this.#create = create;
    this.#maxKeys = maxKeys;
    this.#ttlMs = ttlMs;
  }

  /** Keys held outside the bounds (an isolated circuit), until unpinned. */
  readonly #pinned = new Map<string, T>();

  /**
   * The state of `key`, created (or recreated after idling past the TTL) when needed. With
   * `pin`, the state is kept outside the size and idle bounds until `pin(key, false)`.
   */
  get(key: string, now: number, pin = false): T {
    const pinned = this.#pinned.get(key);
    if (pinned !== undefined) return pinned;
    const state = this.#get(key, now);
    if (pin) {
      this.#map.delete(key);
      this.#pinned.set(key, state);
    }
    return state;
  }

  /** Puts a pinned key back under the bounds (`pinned` false); a no-op for other keys. */
  pin(key: string, pinned: boolean): void {
    const state = this.#pinned.get(key);
    if (pinned || state === undefined) return;
    this.#pinned.delete(key);
    this.#map.set(key, { state, touched: this.#lastNow });
  }

  #lastNow = 0;

  #get(key: string, now: number): T {
    this.#lastNow = now;
    const map = this.#map;
    let entry = map.get(key);
    if (entry !== undefined && now - entry.touched <= this.#ttlMs) {
      entry.touched = now;
      if (map.size > 1) {
        // Move to the back: the front is always the least recently used.
        map.delete(key);
        map.set(key, entry);
      }
      return entry.state;
    }
    if (entry !== undefined) map.delete(key);
    entry = { state: this.#create(), touched: now };
    map.set(key, entry);
    this.#evict(now);
    return entry.state;
  }

  /** The state of `key` if tracked and fresh, without creating or touching it. */
  peek(key: string, now: number): T | undefined {
    const pinned = this.#pinned.get(key);
    if (pinned !== undefined) return pinned;
    const entry = this.#map.get(key);
    return entry !== undefined && now - entry.touched <= this.#ttlMs ? entry.state : undefined;
  }

  /** How many keys are tracked. */
  get size(): number {
    return this.#map.size + this.#pinned.size;
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#map) {
      if (this.#map.size > this.#maxKeys || now - entry.touched > this.#ttlMs) {
        this.#map.delete(key);
      } else {
        break;
      }
    }
  }
}
