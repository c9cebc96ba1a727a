/**
 * The inbox store conformance suite (`runInboxStoreConformance`) every store passes.
 *
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewInboxEvent } from './event.js';
import type { InboxStore } from './store.js';

/**
 * Options of {@link runInboxStoreConformance}.
 *
 * @example
 * ```ts
 * import type { InboxConformanceOptions } from '@brace/webhook-inbox/testing';
 *
 * const options: InboxConformanceOptions = { teardown: async () => {} };
 * ```
 */
export interface InboxConformanceOptions {
  /** Runs once after the suite (close a connection, drop a table). */
  teardown?: (store: InboxStore) => unknown;
}

const T0 = 1_800_000_000_000;
const LEASE = 60_000;

function fresh(): string {
  return `p${Math.random().toString(36).slice(2, 10)}`;
}

function event(
  provider: string,
  eventId: string,
  extra: Partial<NewInboxEvent> = {},
): NewInboxEvent {
  return {
    provider,
    eventId,
    type: 'thing.happened',
    payload: JSON.stringify({ id: eventId }),
    receivedAt: T0,
    orderAt: T0,
    source: 'delivery',
    ...extra,
  };
}

/**
 * Registers the inbox store conformance suite with vitest: every {@link InboxStore} (memory,
 * SQLite, PostgreSQL, your own) runs it to prove it keeps the contract. Every test uses its own
 * random provider name, so a shared database is fine; times are passed explicitly, so no
 * test waits.
 *
 * What it checks: permanent dedupe (also after done, dead and discarded); claims take due
 * events oldest first, honour `limit`, count attempts, and never hand one event to two
 * concurrent claims; an expired lease can be claimed again and the old lease can then neither
 * extend nor settle; settle outcomes (done, retry with `nextAttemptAt` and error history capped
 * at 20, dead, stale); per-resource ordering and watermarks (per provider); `list` filters; `requeue` and
 * `discard`; payloads round-trip exactly; and, where the store has it, `transaction` commits
 * with "done" or rejects when the lease was lost.
 *
 * @param makeStore - builds the store once, before the suite
 * @param options - teardown
 *
 * @example
 * ```ts
 * import { memoryInboxStore } from '@brace/webhook-inbox';
 * import { runInboxStoreConformance } from '@brace/webhook-inbox/testing';
 *
 * runInboxStoreConformance(() => memoryInboxStore());
 * ```
 */
export function runInboxStoreConformance(
  makeStore: () => InboxStore | Promise<InboxStore>,
  options: InboxConformanceOptions = {},
): void {
  let store: InboxStore;
  beforeAll(async () => {
    store = await makeStore();
  });
  afterAll(async () => {
    await options.teardown?.(store);
  });
  // Claims see every provider's due events (earlier tests leave some behind): `mine` claims
  // generously and keeps this test's own.
  const claim = (now = T0, limit = 1_000, ordered = false) =>
    store.claim({ worker: 'w', now, leaseMs: LEASE, limit, ordered });
  const mine = async (provider: string, now = T0, limit = 1_000, ordered = false) =>
    (await claim(now, limit, ordered)).filter((e) => e.provider === provider);

  describe('inbox store conformance', () => {
    it('dedupes on provider + event id forever', async () => {
      const p = fresh();
      expect(await store.insert(event(p, 'a'))).toBe('inserted');
      expect(await store.insert(event(p, 'a', { payload: 'other' }))).toBe('duplicate');
      expect(await store.insert(event(`${p}x`, 'a'))).toBe('inserted');
      const [claimed] = await mine(p);
      await store.settle(claimed!.id, claimed!.lease, { status: 'done' }, T0);
      expect(await store.insert(event(p, 'a'))).toBe('duplicate');
      expect((await store.get(`${p}:a`))?.payload).toBe(JSON.stringify({ id: 'a' }));
    });

    it('claims due events oldest first, honours limit and counts attempts', async () => {
      const p = fresh();
      await store.insert(event(p, 'late', { orderAt: T0 + 2 }));
      await store.insert(event(p, 'early', { orderAt: T0 + 1 }));
      await store.insert(event(p, 'future', { receivedAt: T0 + 10_000, orderAt: T0 }));
      await store.insert(event(p, 'oldest', { orderAt: 1 }));
      const [oldest, ...rest] = await claim(T0, 1);
      expect(rest).toEqual([]);
      expect(oldest?.id).toBe(`${p}:oldest`);
      const first = await mine(p, T0);
      expect(first.map((e) => e.eventId)).toEqual(['early', 'late']);
      expect(first.every((e) => e.status === 'processing' && e.attempts === 1)).toBe(true);
      expect(new Set(first.map((e) => e.lease)).size).toBeGreaterThan(0);
      expect((await mine(p, T0 + 10_000)).map((e) => e.eventId)).toEqual(['future']);
    });

    it('never hands one event to two concurrent claims', async () => {
      const p = fresh();
      for (let i = 0; i < 20; i++) await store.insert(event(p, `e${i}`));
      const batches = await Promise.all([1, 2, 3, 4].map(() => claim(T0, 7)));
      const ids = batches
        .flat()
        .filter((e) => e.provider === p)
        .map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('lets an expired lease be claimed again, and the old lease can no longer act', async () => {
      const p = fresh();
      await store.insert(event(p, 'x'));
      const [first] = await mine(p);
      expect(await mine(p, T0 + LEASE - 1)).toEqual([]);
      expect(await store.extend(first!.id, first!.lease, T0 + LEASE + 10)).toBe(true);
      expect(await mine(p, T0 + LEASE + 5)).toEqual([]);
      const [second] = await mine(p, T0 + LEASE + 10);
      expect(second?.attempts).toBe(2);
      expect(second?.lease).not.toBe(first!.lease);
      expect(await store.extend(first!.id, first!.lease, T0 + 10 * LEASE)).toBe(false);
      expect(await store.settle(first!.id, first!.lease, { status: 'done' }, T0)).toBe(false);
      expect(await store.settle(second!.id, 'not-the-lease', { status: 'done' }, T0)).toBe(false);
      expect(await store.settle(second!.id, second!.lease, { status: 'done' }, T0)).toBe(true);
      expect(await store.settle(second!.id, second!.lease, { status: 'done' }, T0)).toBe(false);
      expect((await store.get(second!.id))?.status).toBe('done');
    });

    it('retries from nextAttemptAt and keeps the last 20 errors', async () => {
      const p = fresh();
      await store.insert(event(p, 'r'));
      let now = T0;
      for (let attempt = 1; attempt <= 22; attempt++) {
        const [claimed] = await mine(p, now);
        expect(claimed?.attempts).toBe(attempt);
        const error = { attempt, at: now, name: 'Error', message: `failure ${attempt}`, code: 'E' };
        expect(
          await store.settle(
            claimed!.id,
            claimed!.lease,
            { status: 'retry', nextAttemptAt: now + 100, error },
            now,
          ),
        ).toBe(true);
        expect(await mine(p, now + 99)).toEqual([]);
        now += 100;
      }
      const stored = await store.get(`${p}:r`);
      expect(stored?.status).toBe('pending');
      expect(stored?.nextAttemptAt).toBe(now);
      expect(stored?.errors).toHaveLength(20);
      expect(stored?.errors[0]?.message).toBe('failure 3');
      expect(stored?.errors[19]).toEqual({
        attempt: 22,
        at: now - 100,
        name: 'Error',
        message: 'failure 22',
        code: 'E',
      });
    });

    it('keeps dead letters, lists them, replays and discards them', async () => {
      const p = fresh();
      for (const id of ['d1', 'd2', 'd3'])
        await store.insert(event(p, id, { receivedAt: T0 + Number(id[1]) }));
      const claimed = await mine(p, T0 + 10);
      for (const e of claimed) {
        const error = { attempt: 1, at: T0, name: 'TypeError', message: 'bad' };
        await store.settle(e.id, e.lease, { status: 'dead', error }, T0 + 20);
      }
      const dead = await store.list({ status: 'dead', provider: p });
      expect(dead.map((e) => e.eventId)).toEqual(['d1', 'd2', 'd3']);
      expect(dead[0]?.errors[0]?.name).toBe('TypeError');
      expect(
        (await store.list({ status: 'dead', provider: p, since: T0 + 2, until: T0 + 3 })).map(
          (e) => e.eventId,
        ),
      ).toEqual(['d2']);
      expect(await store.list({ status: 'dead', provider: p, type: 'other' })).toEqual([]);
      expect(await store.list({ provider: p, limit: 2 })).toHaveLength(2);
      expect(await mine(p, T0 + 100)).toEqual([]);
      expect(await store.requeue([`${p}:d1`, `${p}:d1`, `${p}:nope`], T0 + 30)).toBe(1);
      expect(await store.discard([`${p}:d2`], T0 + 30)).toBe(1);
      expect(await store.discard([`${p}:d1`], T0 + 30)).toBe(0); // pending again, not dead
      const [replayed] = await mine(p, T0 + 30);
      expect(replayed?.eventId).toBe('d1');
      expect(replayed?.attempts).toBe(1);
      expect((await store.get(`${p}:d2`))?.status).toBe('discarded');
      expect(await store.insert(event(p, 'd2'))).toBe('duplicate');
      expect(await store.requeue([`${p}:d2`], T0 + 40)).toBe(1);
    });

    it('orders by resource: only the head is claimed, and watermarks report what was processed', async () => {
      const p = fresh();
      const r = `${p}-res`;
      await store.insert(event(p, 'second', { resourceKey: r, orderAt: T0 + 2 }));
      await store.insert(event(p, 'first', { resourceKey: r, orderAt: T0 + 1 }));
      await store.insert(event(p, 'free', { orderAt: T0 + 3 }));
      const batch = await mine(p, T0 + 10, 1_000, true);
      expect(batch.map((e) => e.eventId)).toEqual(['first', 'free']);
      expect(batch[0]?.watermark).toBeUndefined();
      expect(await mine(p, T0 + 10, 1_000, true)).toEqual([]);
      await store.settle(batch[0]!.id, batch[0]!.lease, { status: 'done' }, T0 + 10);
      const [next] = await mine(p, T0 + 10, 1_000, true);
      expect(next?.eventId).toBe('second');
      expect(next?.watermark).toBe(T0 + 1);
      await store.settle(next!.id, next!.lease, { status: 'done' }, T0 + 10);
      await store.insert(event(p, 'older', { resourceKey: r, orderAt: T0 }));
      const [older] = await mine(p, T0 + 10, 1_000, true);
      expect(older?.watermark).toBe(T0 + 2);
      expect(await store.settle(older!.id, older!.lease, { status: 'stale' }, T0 + 10)).toBe(true);
      expect((await store.get(older!.id))?.status).toBe('stale');
    });

    it("keeps each provider's resources apart: equal resource keys never share an order or a watermark", async () => {
      const a = fresh();
      const b = `${a}b`;
      const r = `${a}-shared`;
      await store.insert(event(a, 'a1', { resourceKey: r, orderAt: T0 + 1 }));
      await store.insert(event(b, 'b1', { resourceKey: r, orderAt: T0 + 2 }));
      const both = (await claim(T0 + 10, 1_000, true)).filter(
        (e) => e.provider === a || e.provider === b,
      );
      expect(both.map((e) => e.eventId).sort()).toEqual(['a1', 'b1']);
      const done = both.find((e) => e.provider === b)!;
      await store.settle(done.id, done.lease, { status: 'done' }, T0 + 10);
      await store.insert(event(a, 'a0', { resourceKey: r, orderAt: T0 }));
      const first = both.find((e) => e.provider === a)!;
      await store.settle(first.id, first.lease, { status: 'done' }, T0 + 10);
      const [older] = await mine(a, T0 + 10, 1_000, true);
      expect(older?.eventId).toBe('a0');
      expect(older?.watermark).toBe(T0 + 1); // a's own watermark, not b's T0 + 2
    });

    it('round-trips payloads and fields exactly', async () => {
      const p = fresh();
      const payload = `{"text":"héllo \u{1F600} \\u0000 ${'x'.repeat(1_000_000)}"}`;
      await store.insert(
        event(p, 'big', {
          payload,
          type: 'a.b',
          resourceKey: 'res/1',
          occurredAt: T0 - 5,
          orderAt: T0 - 5,
          source: 'reconcile',
        }),
      );
      const stored = await store.get(`${p}:big`);
      expect(stored).toMatchObject({
        provider: p,
        eventId: 'big',
        type: 'a.b',
        resourceKey: 'res/1',
        occurredAt: T0 - 5,
        orderAt: T0 - 5,
        receivedAt: T0,
        source: 'reconcile',
        status: 'pending',
        attempts: 0,
        errors: [],
      });
      expect(stored?.payload === payload).toBe(true);
      expect(await store.get(`${p}:missing`)).toBeUndefined();
    });

    it('runs a handler transaction with "done", or refuses it once the lease is lost', async () => {
      if (store.transaction === undefined) {
        expect(store.transaction).toBeUndefined();
        return;
      }
      const p = fresh();
      await store.insert(event(p, 't'));
      const [claimed] = await mine(p);
      expect(await store.transaction(claimed!.id, claimed!.lease, T0, async () => 42)).toBe(42);
      expect((await store.get(claimed!.id))?.status).toBe('done');
      await store.insert(event(p, 'lost'));
      const [first] = await mine(p);
      await mine(p, T0 + LEASE + 1); // another worker takes it over
      await expect(
        store.transaction(first!.id, first!.lease, T0, async () => 1),
      ).rejects.toMatchObject({ code: 'INBOX_LEASE_LOST' });
      const failing = store.transaction(first!.id, 'nope', T0, async () => 1);
      await expect(failing).rejects.toMatchObject({ code: 'INBOX_LEASE_LOST' });
    });
  });
}
