/**
 * The cache store conformance suite (`runCacheStoreConformance`) every store passes.
 *
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheEntry, CacheEntryMeta, CacheStore } from './store.js';

/**
 * A clock the conformance suite can move: `manualClock` from `@brace/core` fits.
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 * import type { CacheConformanceClock } from '@brace/cache/testing';
 *
 * const clock: CacheConformanceClock = manualClock({ now: 0 });
 * ```
 */
export interface CacheConformanceClock {
  /** Moves time forward by `ms` (may return a promise). */
  advance(ms: number): unknown;
}

/**
 * Options of {@link runCacheStoreConformance}.
 *
 * @example
 * ```ts
 * import type { CacheStoreConformanceOptions } from '@brace/cache/testing';
 *
 * const options: CacheStoreConformanceOptions = { shortTtlMs: 80 };
 * ```
 */
export interface CacheStoreConformanceOptions {
  /** The clock the store was given, for stores on an injected clock; leave out for real time. */
  clock?: CacheConformanceClock;
  /** The short TTL of the expiry tests, ms. Default 100 (with real time the suite waits ~1.5x). */
  shortTtlMs?: number;
  /** Runs once after the suite (close a connection, delete the test keys). */
  teardown?: (store: CacheStore) => unknown;
}

let counter = 0;
const unique = (label: string) => `conformance:${label}:${Date.now()}:${counter++}`;

/** Every byte value, twice, and a few more: a body that text codecs would damage. */
function allBytes(): Uint8Array {
  const out = new Uint8Array(515);
  for (let i = 0; i < out.length; i++) out[i] = i % 256;
  return out;
}

function meta(status = 200): CacheEntryMeta {
  return {
    v: 1,
    kind: 'http',
    status,
    storedAt: 1_700_000_000_000,
    policy: { v: 1, resh: { 'content-type': 'application/octet-stream', etag: '"x"' } },
    vary: { 'accept-language': 'de' },
    noStale: false,
    staleIfErrorMs: 60_000,
  };
}

/**
 * Registers the cache store conformance suite with vitest: missing keys, byte-exact bodies,
 * overwrite, delete, distinct keys, expiry, and (when the store has them) locks that exclude,
 * release only for their token and expire. Every store adapter runs it.
 *
 * @param name - the suite's title
 * @param factory - creates the store under test (once for the suite)
 * @param options - clock, short TTL, teardown
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 * import { memoryStore } from '@brace/cache';
 * import { runCacheStoreConformance } from '@brace/cache/testing';
 *
 * const clock = manualClock({ now: 0 });
 * runCacheStoreConformance('memoryStore', () => memoryStore({ clock }), { clock });
 * ```
 */
export function runCacheStoreConformance(
  name: string,
  factory: () => CacheStore | Promise<CacheStore>,
  options: CacheStoreConformanceOptions = {},
): void {
  const shortTtlMs = options.shortTtlMs ?? 100;
  const pass = async () => {
    if (options.clock) await options.clock.advance(shortTtlMs + 1);
    else
      await new Promise((resolve) =>
        setTimeout(resolve, shortTtlMs + Math.max(50, shortTtlMs / 2)),
      );
  };

  describe(name, () => {
    let store: CacheStore;
    beforeAll(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await options.teardown?.(store);
    });

    it('answers undefined for a key never set', async () => {
      expect(await store.get(unique('missing'))).toBeUndefined();
    });

    it('returns the entry byte for byte, metadata included', async () => {
      const key = unique('bytes');
      const entry: CacheEntry = { meta: meta(), body: allBytes() };
      await store.set(key, entry, 60_000);
      const got = await store.get(key);
      expect(got?.meta).toEqual(entry.meta);
      expect(got?.body).toBeInstanceOf(Uint8Array);
      expect([...(got?.body ?? [])]).toEqual([...allBytes()]);
    });

    it('keeps an empty body and a 1 MiB body exactly', async () => {
      const empty = unique('empty');
      await store.set(empty, { meta: meta(204), body: new Uint8Array(0) }, 60_000);
      expect((await store.get(empty))?.body.byteLength).toBe(0);
      const big = unique('big');
      const body = new Uint8Array(1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) % 256;
      await store.set(big, { meta: meta(), body }, 60_000);
      const got = (await store.get(big))?.body;
      expect(got?.byteLength).toBe(body.byteLength);
      let same = got !== undefined;
      for (let i = 0; same && i < body.length; i++) same = got?.[i] === body[i];
      expect(same).toBe(true);
    });

    it('replaces an entry on set and removes it on delete', async () => {
      const key = unique('replace');
      await store.set(key, { meta: meta(200), body: new Uint8Array([1]) }, 60_000);
      await store.set(key, { meta: meta(203), body: new Uint8Array([2, 3]) }, 60_000);
      const got = await store.get(key);
      expect(got?.meta.status).toBe(203);
      expect([...(got?.body ?? [])]).toEqual([2, 3]);
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      await store.delete(key);
    });

    it('keeps keys apart, whatever characters they hold', async () => {
      const base = unique('chars');
      const keys = [
        `${base} GET https://a/x?q=1 #ab`,
        `${base} GET https://a/x?q=1 #ac`,
        `${base}:ü\n\0*`,
      ];
      for (const [i, key] of keys.entries()) {
        await store.set(key, { meta: meta(200 + i), body: new Uint8Array([i]) }, 60_000);
      }
      for (const [i, key] of keys.entries()) {
        expect((await store.get(key))?.meta.status).toBe(200 + i);
      }
    });

    it('forgets an entry after its TTL', async () => {
      const key = unique('ttl');
      await store.set(key, { meta: meta(), body: new Uint8Array([9]) }, shortTtlMs);
      expect((await store.get(key))?.body[0]).toBe(9);
      await pass();
      expect(await store.get(key)).toBeUndefined();
    });

    it('locks exclude, release only for their token, and expire', async (context) => {
      if (store.lock === undefined || store.unlock === undefined) {
        context.skip();
        return;
      }
      const key = unique('lock');
      const token = await store.lock(key, 60_000);
      expect(typeof token).toBe('string');
      expect(await store.lock(key, 60_000)).toBeUndefined();
      await store.unlock(key, 'not-the-token');
      expect(await store.lock(key, 60_000)).toBeUndefined();
      await store.unlock(key, token as string);
      const again = await store.lock(key, shortTtlMs);
      expect(typeof again).toBe('string');
      expect(again).not.toBe(token);
      await pass();
      expect(typeof (await store.lock(key, 60_000))).toBe('string');
    });
  });
}
