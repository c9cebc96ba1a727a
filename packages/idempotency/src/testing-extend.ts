// The heartbeat part of the conformance suite: `extend` on a claim in progress.
import { describe, expect, it } from 'vitest';
import type { IdempotencyStore } from './store.js';
import { expectOutcome, freshScope, LONG, LONG_OPTIONS, record } from './testing-helpers.js';

/** Registers the `extend` tests; `store()` returns the store under test. */
export function extendConformance(
  store: () => IdempotencyStore,
  pass: (ms: number) => Promise<void>,
  shortTtl: number,
): void {
  const shortLock = { lockTtlMs: shortTtl, ttlMs: LONG };
  const extend = (...args: Parameters<NonNullable<IdempotencyStore['extend']>>) => {
    const s = store();
    if (typeof s.extend !== 'function') {
      throw new Error(
        'The store has no extend(key, token, { lockTtlMs }): long handlers get no heartbeat. Implement it, or pass { heartbeat: false } to runStoreConformance.',
      );
    }
    return s.extend(...args);
  };

  describe('heartbeat (extend)', () => {
    it('the owner extends its claim: past the original lock TTL it is still in progress, and completes', async () => {
      const where = { scope: freshScope('extend'), key: 'k1' };
      const begun = expectOutcome(await store().begin(where, 'fp-a', shortLock), 'acquired');
      expect(await extend(where, begun.token, { lockTtlMs: LONG })).toBe(true);
      await pass(shortTtl);
      const busy = expectOutcome(await store().begin(where, 'fp-a', shortLock), 'in-progress');
      expect(busy.retryAfterMs).toBeGreaterThan(shortTtl);
      expect(busy.retryAfterMs).toBeLessThanOrEqual(LONG);
      expect(await store().complete(where, begun.token, record(201, 'ok'), { ttlMs: LONG })).toBe(
        true,
      );
      expect((await store().begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('completed');
    });

    it('an extension also keeps the record alive past its ttlMs', async () => {
      const where = { scope: freshScope('extend-ttl'), key: 'k1' };
      const short = { lockTtlMs: shortTtl, ttlMs: shortTtl };
      const begun = expectOutcome(await store().begin(where, 'fp-a', short), 'acquired');
      expect(await extend(where, begun.token, { lockTtlMs: LONG })).toBe(true);
      await pass(shortTtl);
      expect((await store().begin(where, 'fp-a', short)).status).toBe('in-progress');
    });

    it('a wrong token, an unknown key, a completed or released claim: false, and nothing changes', async () => {
      const where = { scope: freshScope('extend-owner'), key: 'k1' };
      const begun = expectOutcome(await store().begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
      expect(await extend(where, `${begun.token}x`, { lockTtlMs: LONG })).toBe(false);
      expect(await extend({ ...where, key: 'unknown' }, begun.token, { lockTtlMs: LONG })).toBe(
        false,
      );
      expect(await store().complete(where, begun.token, record(200), { ttlMs: LONG })).toBe(true);
      expect(await extend(where, begun.token, { lockTtlMs: LONG })).toBe(false);
      expect((await store().begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('completed');
      const other = { scope: where.scope, key: 'k2' };
      const released = expectOutcome(await store().begin(other, 'fp-a', LONG_OPTIONS), 'acquired');
      expect(await store().release(other, released.token)).toBe(true);
      expect(await extend(other, released.token, { lockTtlMs: LONG })).toBe(false);
      expect((await store().begin(other, 'fp-b', LONG_OPTIONS)).status).toBe('acquired');
    });

    it('after a takeover the old token cannot extend; the new owner can', async () => {
      const where = { scope: freshScope('extend-takeover'), key: 'k1' };
      const first = expectOutcome(await store().begin(where, 'fp-a', shortLock), 'acquired');
      await pass(shortTtl);
      const second = expectOutcome(await store().begin(where, 'fp-a', shortLock), 'acquired');
      expect(await extend(where, first.token, { lockTtlMs: LONG })).toBe(false);
      expect(await extend(where, second.token, { lockTtlMs: LONG })).toBe(true);
      await pass(shortTtl);
      expect((await store().begin(where, 'fp-a', shortLock)).status).toBe('in-progress');
    });
  });
}
