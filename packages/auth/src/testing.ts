/**
 * The `TokenStore` conformance suite (`runTokenStoreConformance`) every token store passes.
 *
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenSet } from './grant.js';
import type { TokenStore } from './store.js';

/**
 * A clock the conformance suite can move: `manualClock` from `@brace/core` fits.
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 * import type { TokenStoreConformanceClock } from '@brace/auth/testing';
 *
 * const clock: TokenStoreConformanceClock = manualClock({ now: 0 });
 * ```
 */
export interface TokenStoreConformanceClock {
  /** Moves time forward by `ms` milliseconds (may return a promise). */
  advance(ms: number): unknown;
}

/**
 * Options of {@link runTokenStoreConformance}.
 *
 * @example
 * ```ts
 * import type { TokenStoreConformanceOptions } from '@brace/auth/testing';
 *
 * const options: TokenStoreConformanceOptions = { shortTtlMs: 80 };
 * ```
 */
export interface TokenStoreConformanceOptions {
  /** For stores on an injected clock: the suite advances it instead of waiting. */
  clock?: TokenStoreConformanceClock;
  /** The lock TTL of the expiry test (default 100 ms; real stores wait it out once). */
  shortTtlMs?: number;
  /** Runs once after the suite (close a connection, drop a table). */
  teardown?: (store: TokenStore) => unknown;
}

let keySeq = 0;
/** A key no other test of this run uses. */
function freshKey(): string {
  keySeq += 1;
  return `conformance:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:${keySeq}`;
}

const LONG = 60_000;
const token = (n: number, extra: Partial<TokenSet> = {}): TokenSet => ({
  accessToken: `at-${n}`,
  tokenType: 'bearer',
  expiresAt: 1_900_000_000_000 + n,
  issuedAt: 1_800_000_000_000,
  refreshToken: `rt-${n}`,
  ...extra,
});

/**
 * Registers the `TokenStore` conformance suite with vitest: locking with fencing tokens,
 * compare-and-set saves, in-doubt claims, waking waiters. Call it at the top of a test
 * file; `makeStore` runs once before the suite.
 *
 * @param name - shown in the test names
 * @param makeStore - creates the store under test
 * @param options - a clock for injected-time stores, the short TTL, a teardown
 * @example
 * ```ts
 * import { memoryTokenStore } from '@brace/auth';
 * import { runTokenStoreConformance } from '@brace/auth/testing';
 *
 * runTokenStoreConformance('memoryTokenStore', () => memoryTokenStore());
 * ```
 */
export function runTokenStoreConformance(
  name: string,
  makeStore: () => TokenStore | Promise<TokenStore>,
  options: TokenStoreConformanceOptions = {},
): void {
  const shortTtlMs = options.shortTtlMs ?? 100;
  let store: TokenStore;
  const pass = async (ms: number) => {
    if (options.clock) await options.clock.advance(ms);
    else await new Promise((r) => setTimeout(r, ms));
  };

  describe(`token store conformance: ${name}`, () => {
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await options.teardown?.(store);
    });

    it('an unknown key loads as undefined', async () => {
      expect(await store.load(freshKey())).toBeUndefined();
    });

    it('one lock at a time; fences increase', async () => {
      const key = freshKey();
      const f1 = await store.lock(key, LONG);
      expect(typeof f1).toBe('number');
      expect(await store.lock(key, LONG)).toBeUndefined();
      await store.unlock(key, f1 as number, false);
      const f2 = await store.lock(key, LONG);
      expect(f2).toBeGreaterThan(f1 as number);
    });

    it('concurrent lock attempts: exactly one wins', async () => {
      const key = freshKey();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.lock(key, LONG)));
      expect(results.filter((f) => f !== undefined)).toHaveLength(1);
    });

    it('save under the fence round-trips the token, bumps the version, releases the lock', async () => {
      const key = freshKey();
      const fence = (await store.lock(key, LONG)) as number;
      const t = token(1, { tokenType: 'dpop' });
      expect(await store.save(key, fence, t)).toBe(true);
      const record = await store.load(key);
      expect(record?.token).toEqual(t);
      expect(record?.version).toBe(1);
      expect(record?.pending).toBeUndefined();
      const next = (await store.lock(key, LONG)) as number;
      expect(next).toBeGreaterThan(fence);
      expect(await store.save(key, next, token(2, { refreshToken: undefined }))).toBe(true);
      const second = await store.load(key);
      expect(second?.version).toBe(2);
      expect(second?.token?.accessToken).toBe('at-2');
      expect(second?.token?.refreshToken).toBeUndefined();
    });

    it('an expired lock is taken over; the old fence can no longer claim, save or unlock', async () => {
      const key = freshKey();
      const old = (await store.lock(key, shortTtlMs)) as number;
      await pass(shortTtlMs + Math.max(50, shortTtlMs / 2));
      const fresh = await store.lock(key, LONG);
      expect(fresh).toBeGreaterThan(old);
      expect(await store.claim(key, old)).toBe(false);
      expect(await store.save(key, old, token(9))).toBe(false);
      await store.unlock(key, old, true);
      expect(await store.lock(key, LONG)).toBeUndefined(); // still held by `fresh`
      expect(await store.load(key)).toBeUndefined();
    });

    it('an expired lock nobody took over still lets its holder save (it has the only new token)', async () => {
      const key = freshKey();
      const fence = (await store.lock(key, shortTtlMs)) as number;
      await pass(shortTtlMs + Math.max(50, shortTtlMs / 2));
      expect(await store.save(key, fence, token(3))).toBe(true);
      expect((await store.load(key))?.token?.accessToken).toBe('at-3');
    });

    it('a claim survives its holder: the next holder sees the refresh in doubt', async () => {
      const key = freshKey();
      const f1 = (await store.lock(key, shortTtlMs)) as number;
      expect(await store.save(key, f1, token(1))).toBe(true);
      const f2 = (await store.lock(key, shortTtlMs)) as number;
      expect(await store.claim(key, f2)).toBe(true);
      expect((await store.load(key))?.pending).toBe(f2);
      await pass(shortTtlMs + Math.max(50, shortTtlMs / 2)); // the holder "died"
      const f3 = (await store.lock(key, LONG)) as number;
      const record = await store.load(key);
      expect(record?.pending).toBe(f2);
      expect(record?.token?.refreshToken).toBe('rt-1');
      await store.unlock(key, f3, true); // not f3's claim: stays
      expect((await store.load(key))?.pending).toBe(f2);
      const f4 = (await store.lock(key, LONG)) as number;
      expect(await store.save(key, f4, token(4))).toBe(true);
      expect((await store.load(key))?.pending).toBeUndefined();
    });

    it('unlock with clearClaim clears only its own claim', async () => {
      const key = freshKey();
      const f1 = (await store.lock(key, LONG)) as number;
      expect(await store.claim(key, f1)).toBe(true);
      await store.unlock(key, f1, true);
      expect((await store.load(key))?.pending).toBeUndefined();
      const f2 = (await store.lock(key, LONG)) as number;
      expect(await store.claim(key, f2)).toBe(true);
      await store.unlock(key, f2, false);
      expect((await store.load(key))?.pending).toBe(f2);
    });

    it('claim, save and unlock on a key never locked do nothing', async () => {
      const key = freshKey();
      expect(await store.claim(key, 1)).toBe(false);
      expect(await store.save(key, 1, token(1))).toBe(false);
      await store.unlock(key, 1, true);
      expect(await store.load(key)).toBeUndefined();
    });

    it('keys are independent', async () => {
      const a = freshKey();
      const b = freshKey();
      const fa = (await store.lock(a, LONG)) as number;
      const fb = await store.lock(b, LONG);
      expect(fb).toBeDefined();
      await store.save(a, fa, token(1));
      expect(await store.load(b)).toBeUndefined();
    });

    it('renew, when offered, extends only a lock its fence still holds', async () => {
      if (store.renew === undefined) return;
      const key = freshKey();
      expect(await store.renew(key, 1, LONG)).toBe(false); // never locked
      const fence = (await store.lock(key, shortTtlMs)) as number;
      expect(await store.renew(key, fence + 1, LONG)).toBe(false); // not its fence
      expect(await store.renew(key, fence, LONG)).toBe(true);
      await pass(shortTtlMs + Math.max(50, shortTtlMs / 2));
      expect(await store.lock(key, LONG)).toBeUndefined(); // renewed: still held
      await store.unlock(key, fence, false);
      expect(await store.renew(key, fence, LONG)).toBe(false); // released
      const lapsing = (await store.lock(key, shortTtlMs)) as number;
      await pass(shortTtlMs + Math.max(50, shortTtlMs / 2));
      expect(await store.renew(key, lapsing, LONG)).toBe(false); // expired
      const next = (await store.lock(key, LONG)) as number;
      expect(next).toBeGreaterThan(lapsing);
      expect(await store.renew(key, lapsing, LONG)).toBe(false); // taken over
    });

    it('waitForChange, when offered, wakes on a save and on abort', async () => {
      if (store.waitForChange === undefined) return;
      const key = freshKey();
      const fence = (await store.lock(key, LONG)) as number;
      const controller = new AbortController();
      let woke = false;
      const waiting = store.waitForChange(key, 0, controller.signal).then(() => {
        woke = true;
      });
      await new Promise((r) => setTimeout(r, 20));
      expect(woke).toBe(false);
      await store.save(key, fence, token(1));
      await waiting;
      expect(woke).toBe(true);
      const idle = new AbortController();
      const parked = store.waitForChange(key, 1, idle.signal);
      idle.abort();
      await parked;
      // Already past the version: resolves at once.
      await store.waitForChange(key, 0, new AbortController().signal);
      controller.abort();
    });
  });
}
