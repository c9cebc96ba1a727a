import { DEFAULT_MAX_KEYS as CORE_DEFAULT_MAX_KEYS } from '@brace/core';
import { RateLimitOptionsError } from './errors.js';
import { SlidingLog } from './sliding-log.js';
import type { AcquireResult, PauseReason, RateLimitPolicy, RateLimitStore } from './store.js';

/**
 * Default bound on the key states the in-memory store keeps: 10,000 — `@brace/core`'s
 * `DEFAULT_MAX_KEYS`, the same bound (and name) for every Brace per-key map.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_KEYS } from '@brace/rate-limit';
 *
 * console.log(DEFAULT_MAX_KEYS); // 10000
 * ```
 */
export const DEFAULT_MAX_KEYS: number = CORE_DEFAULT_MAX_KEYS;

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most key states kept at once (least recently used evicted first; idle states, whose
   * windows and pauses are over, are swept as new keys arrive). Default {@link DEFAULT_MAX_KEYS}.
   * Keep it above the number of keys active within your longest `intervalMs`: an evicted
   * active key starts afresh.
   */
  maxKeys?: number;
}

interface KeyState {
  /** The policy list the per-policy state below was built for. */
  policies: readonly RateLimitPolicy[];
  logs: Array<SlidingLog | undefined>;
  /** GCRA theoretical arrival times, per policy (NaN for sliding-log policies). */
  tats: number[];
  pauseUntil: number;
  pauseReason: PauseReason;
  /** When this state becomes equivalent to a fresh one. */
  idleAt: number;
  key: string;
  /** LRU list links (older / newer). */
  older: KeyState | undefined;
  newer: KeyState | undefined;
}

function newState(key: string, policies: readonly RateLimitPolicy[]): KeyState {
  const state: KeyState = {
    policies: [],
    logs: [],
    tats: [],
    pauseUntil: 0,
    pauseReason: 'retry-after',
    idleAt: 0,
    key,
    older: undefined,
    newer: undefined,
  };
  initPolicies(state, policies);
  return state;
}

/**
 * (Re)builds the per-policy state for a new policy list (a state first created by a pause, or
 * `updatePolicies`): a policy that keeps its index and kind (sliding log or GCRA) keeps its
 * usage, so an update never forgets starts already made; any other starts afresh.
 */
function initPolicies(state: KeyState, policies: readonly RateLimitPolicy[]): void {
  const old = state.policies;
  const logs: Array<SlidingLog | undefined> = [];
  const tats: number[] = [];
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i] as RateLimitPolicy;
    const was = old[i];
    const same = was !== undefined && (was.burst === undefined) === (p.burst === undefined);
    if (p.burst === undefined) logs.push(same ? state.logs[i] : new SlidingLog());
    else logs.push(undefined);
    tats.push(same && p.burst !== undefined ? (state.tats[i] as number) : Number.NEGATIVE_INFINITY);
  }
  state.policies = policies;
  state.logs = logs;
  state.tats = tats;
}

/**
 * The in-memory {@link RateLimitStore} (the default): synchronous, exact, and bounded by
 * `maxKeys` with LRU + idle eviction. Sliding log for plain policies, GCRA for `burst` ones.
 *
 * @example
 * ```ts
 * import { createRateLimiter, memoryStore } from '@brace/rate-limit';
 *
 * const store = memoryStore({ maxKeys: 100_000 });
 * const limiter = createRateLimiter({ policies: [{ limit: 5, intervalMs: 1000 }], store });
 * store.size; // key states currently held
 * ```
 */
export interface MemoryStore extends RateLimitStore {
  /** How many key states are held right now (never more than `maxKeys`). */
  readonly size: number;
  /** Synchronous: see {@link RateLimitStore.tryAcquire}. */
  tryAcquire(
    key: string,
    policies: readonly RateLimitPolicy[],
    cost: number,
    now: number,
  ): AcquireResult;
  /** Synchronous: see {@link RateLimitStore.pause}. */
  pause(key: string, durationMs: number, reason: PauseReason, now: number): void;
  /** Synchronous: see {@link RateLimitStore.settle}. */
  settle(
    key: string,
    policies: readonly RateLimitPolicy[],
    cost: number,
    grant: unknown,
    grantedAt: number,
    now: number,
  ): void;
}

/**
 * Creates the in-memory store. See {@link MemoryStore}.
 *
 * @example
 * ```ts
 * import { memoryStore } from '@brace/rate-limit';
 *
 * const store = memoryStore({ maxKeys: 1000 });
 * store.tryAcquire('tenant-a', [{ limit: 1, intervalMs: 1000 }], 1, Date.now()); // { ok: true }
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new RateLimitOptionsError('maxKeys', 'an integer >= 1');
  }
  const states = new Map<string, KeyState>();
  // A doubly linked LRU list (oldest first): V8 Maps make "delete the first entry" O(n)
  // once deleted entries pile up at the front, so the order lives in the states themselves.
  let oldest: KeyState | undefined;
  let newest: KeyState | undefined;
  let lastKey: string | undefined;
  let lastState: KeyState | undefined;

  const unlink = (state: KeyState) => {
    if (state.older) state.older.newer = state.newer;
    else oldest = state.newer;
    if (state.newer) state.newer.older = state.older;
    else newest = state.older;
    state.older = undefined;
    state.newer = undefined;
  };
  const append = (state: KeyState) => {
    state.older = newest;
    if (newest) newest.newer = state;
    else oldest = state;
    newest = state;
  };
  const evict = (state: KeyState) => {
    unlink(state);
    states.delete(state.key);
  };

  /** Gets (and marks most recently used) or creates a key's state, evicting as needed. */
  const stateOf = (key: string, policies: readonly RateLimitPolicy[], now: number): KeyState => {
    if (key === lastKey && lastState !== undefined) return lastState;
    let state = states.get(key);
    if (state !== undefined) {
      if (state !== newest) {
        unlink(state);
        append(state);
      }
    } else {
      // Sweep a couple of the least recently used states if they are idle (TTL eviction),
      // then enforce the size bound (LRU eviction).
      for (let i = 0; i < 2 && oldest !== undefined && oldest.idleAt <= now; i++) evict(oldest);
      while (states.size >= maxKeys) evict(oldest as KeyState);
      state = newState(key, policies);
      states.set(key, state);
      append(state);
    }
    lastKey = key;
    lastState = state;
    return state;
  };

  return {
    get size() {
      return states.size;
    },
    tryAcquire(key, policies, cost, now): AcquireResult {
      if (policies.length === 0) {
        const paused = states.get(key);
        if (paused === undefined || paused.pauseUntil <= now) return OK;
      }
      const state = stateOf(key, policies, now);
      const n = policies.length;
      if (state.policies !== policies) initPolicies(state, policies);
      if (state.pauseUntil > now) {
        return {
          ok: false,
          retryInMs: state.pauseUntil - now,
          policyIndex: -1,
          pause: state.pauseReason,
        };
      }
      let wait = 0;
      let refusing = -1;
      for (let i = 0; i < n; i++) {
        const p = policies[i] as RateLimitPolicy;
        const log = state.logs[i];
        let w: number;
        if (log !== undefined) {
          log.expire(now, p.intervalMs);
          w = log.waitFor(cost, p.limit, p.intervalMs, now);
        } else {
          const t = p.intervalMs / p.limit;
          const tat = Math.max(state.tats[i] as number, now) + cost * t;
          w = tat - now - (p.burst as number) * t;
        }
        if (w > wait) {
          wait = w;
          refusing = i;
        }
      }
      if (refusing >= 0) {
        return { ok: false, retryInMs: Math.max(1, Math.ceil(wait)), policyIndex: refusing };
      }
      let idleAt = state.idleAt;
      for (let i = 0; i < n; i++) {
        const p = policies[i] as RateLimitPolicy;
        const log = state.logs[i];
        if (log !== undefined) {
          log.charge(cost, now);
          if (now + p.intervalMs > idleAt) idleAt = now + p.intervalMs;
        } else {
          const tat = Math.max(state.tats[i] as number, now) + cost * (p.intervalMs / p.limit);
          state.tats[i] = tat;
          if (tat > idleAt) idleAt = tat;
        }
      }
      state.idleAt = idleAt;
      return OK;
    },
    settle(key, policies, cost, grant, grantedAt, now) {
      const at = typeof grant === 'number' ? grant : grantedAt;
      if (now <= at) return;
      const state = states.get(key);
      if (state === undefined || state.policies !== policies) return;
      let idleAt = state.idleAt;
      for (let i = 0; i < policies.length; i++) {
        const log = state.logs[i];
        if (log === undefined) continue;
        const p = policies[i] as RateLimitPolicy;
        log.expire(now, p.intervalMs);
        log.restamp(cost, at, now);
        if (now + p.intervalMs > idleAt) idleAt = now + p.intervalMs;
      }
      state.idleAt = idleAt;
    },
    pause(key, durationMs, reason, now) {
      const state = stateOf(key, [], now);
      const until = now + durationMs;
      if (until > state.pauseUntil) {
        state.pauseUntil = until;
        state.pauseReason = reason;
        if (until > state.idleAt) state.idleAt = until;
      }
    },
  };
}

const OK: AcquireResult = Object.freeze({ ok: true });
