/**
 * A conformance suite (vitest) that any `IdempotencyStore` implementation can run against itself.
 *
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdempotencyStore, StoredResponse, StoreKey } from './store.js';
import { extendConformance } from './testing-extend.js';
import {
  bytesOf,
  expectOutcome,
  expectSameBytes,
  freshScope,
  LONG,
  LONG_OPTIONS,
  noise,
  record,
} from './testing-helpers.js';

/**
 * A clock the conformance suite can move: `manualClock` from `@brace/core` fits.
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 * import type { ConformanceClock } from '@brace/idempotency/testing';
 *
 * const clock: ConformanceClock = manualClock({ now: 0 });
 * ```
 */
export interface ConformanceClock {
  /** Moves time forward by `ms` milliseconds (may return a promise). */
  advance(ms: number): unknown;
}

/**
 * Options of {@link runStoreConformance}.
 *
 * @example
 * ```ts
 * import { manualClock } from '@brace/core';
 * import type { StoreConformanceOptions } from '@brace/idempotency/testing';
 *
 * const options: StoreConformanceOptions = { clock: manualClock({ now: 0 }) };
 * ```
 */
export interface StoreConformanceOptions {
  /**
   * For stores that read time from an injected clock: the clock the store was given (a
   * `manualClock` from `@brace/core`, or anything with `advance(ms)`). The suite then
   * advances it instead of waiting in real time. Leave it out for stores that use real
   * time (database servers): the suite uses short TTLs and short real waits.
   */
  clock?: ConformanceClock;
  /**
   * The short TTL, in milliseconds, of the expiry tests (lock expiry, record expiry).
   * Default 100. With real time the suite waits this long plus half again (at least
   * 50 ms more) per expiry test, three times in all.
   */
  shortTtlMs?: number;
  /** Runs once after the suite, e.g. to close a connection or drop a table. */
  teardown?: (store: IdempotencyStore) => unknown;
  /**
   * Test `extend`, the heartbeat of long handlers. Default `true`: a store without
   * `extend` fails those tests. `false` skips them (its long handlers get no heartbeat).
   */
  heartbeat?: boolean;
}

/**
 * Registers the idempotency store conformance suite with vitest: every
 * {@link IdempotencyStore} implementation (memory, SQLite, Redis, PostgreSQL, your own)
 * runs it in its own tests to prove it keeps the contract. Call it at the top level of a
 * test file (or inside a `describe`). `makeStore` is called once, before the suite; every
 * test uses its own random scope, so the store may be shared with other tests and
 * a shared database server.
 *
 * What it checks:
 * - the four `begin` outcomes: `acquired` (with a token), `in-progress` (with
 *   `0 < retryAfterMs <= lockTtlMs`), `completed` (the stored record) and `mismatch`
 *   (another fingerprint, while in progress and after completion);
 * - a completed record keeps its fingerprint, also after the lock TTL has passed;
 * - TTL expiry: an expired completed record is gone, and the key can be claimed again;
 * - lock-expiry takeover: once the lock TTL passed, the next `begin` gets `acquired`
 *   with a new token (whatever its fingerprint); the old token can no longer complete
 *   or release;
 * - token ownership: a wrong token, an unknown key, a second `complete` and a `release`
 *   after `complete` all resolve `false` and change nothing;
 * - `release` frees the key: the next `begin` acquires it (with any fingerprint);
 * - records round-trip exactly: status, headers (order and repeated names kept), an
 *   empty body, all 256 byte values, and a 1 MB body, byte for byte;
 * - a race of 200 concurrent `begin` calls on one key yields exactly one `acquired`;
 * - scopes are independent: the same key in two scopes, and a scope/key split that a
 *   naive `scope + ':' + key` concatenation would confuse, never share a record;
 * - the heartbeat: `extend` by the owner keeps the claim in progress past its lock TTL
 *   (and the record past its TTL); a wrong token, an unknown key, a completed or released
 *   claim, and a token whose claim was taken over all get `false` (unless `heartbeat: false`).
 *
 * Whether the owner of a claim whose lock expired, but which nobody took over yet, may
 * still complete it is left to the store.
 *
 * @param name - the store's name, shown in the suite's title
 * @param makeStore - creates (or returns) the store under test
 * @param options - a controllable clock, the short TTL, a teardown
 *
 * @example
 * ```ts
 * // memory-store.test.ts: a store that takes a clock
 * import { manualClock } from '@brace/core';
 * import { memoryStore } from '@brace/idempotency';
 * import { runStoreConformance } from '@brace/idempotency/testing';
 *
 * const clock = manualClock({ now: 0 });
 * runStoreConformance('memoryStore', () => memoryStore({ maxEntries: 1000, clock }), { clock });
 *
 * // redis-store.test.ts: a store on real time
 * runStoreConformance('redisStore', () => redisStore({ client: redis }), {
 *   teardown: () => redis.quit(),
 * });
 * ```
 */
export function runStoreConformance(
  name: string,
  makeStore: () => IdempotencyStore | Promise<IdempotencyStore>,
  options: StoreConformanceOptions = {},
): void {
  const shortTtl = options.shortTtlMs ?? 100;
  const clock = options.clock;
  const pass = async (ms: number): Promise<void> => {
    if (clock) await clock.advance(ms + 1);
    else await new Promise((resolve) => setTimeout(resolve, ms + Math.max(50, ms / 2)));
  };
  const shortLock = { lockTtlMs: shortTtl, ttlMs: LONG };

  describe(`idempotency store conformance: ${name}`, () => {
    let store: IdempotencyStore;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await options.teardown?.(store);
    });

    if (options.heartbeat !== false) extendConformance(() => store, pass, shortTtl);

    describe('begin outcomes', () => {
      it('acquires a new key with a non-empty token', async () => {
        const where = { scope: freshScope('acquire'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        expect(typeof begun.token).toBe('string');
        expect(begun.token.length).toBeGreaterThan(0);
      });

      it('reports in-progress with 0 < retryAfterMs <= lockTtlMs while the claim is held', async () => {
        const where = { scope: freshScope('in-progress'), key: 'k1' };
        expect((await store.begin(where, 'fp-a', { lockTtlMs: 30_000, ttlMs: LONG })).status).toBe(
          'acquired',
        );
        const again = expectOutcome(
          await store.begin(where, 'fp-a', { lockTtlMs: 30_000, ttlMs: LONG }),
          'in-progress',
        );
        expect(again.retryAfterMs).toBeGreaterThan(0);
        expect(again.retryAfterMs).toBeLessThanOrEqual(30_000);
      });

      it('replays the completed record for the same fingerprint', async () => {
        const where = { scope: freshScope('completed'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        const stored = record(201, '{"id":"ord_1"}');
        expect(await store.complete(where, begun.token, stored, { ttlMs: LONG })).toBe(true);
        const replay = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'completed');
        expect(replay.record.status).toBe(201);
        expect(replay.record.headers).toEqual([['content-type', 'application/json']]);
        expectSameBytes(replay.record.body, stored.body);
        // A replay does not consume the record.
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('completed');
      });

      it('reports mismatch for another fingerprint while in progress', async () => {
        const where = { scope: freshScope('mismatch-running'), key: 'k1' };
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('acquired');
        expect((await store.begin(where, 'fp-b', LONG_OPTIONS)).status).toBe('mismatch');
        // The claim is untouched: the first fingerprint still sees it in progress.
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('in-progress');
      });

      it('reports mismatch for another fingerprint after completion', async () => {
        const where = { scope: freshScope('mismatch-done'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        await store.complete(where, begun.token, record(200, 'ok'), { ttlMs: LONG });
        expect((await store.begin(where, 'fp-b', LONG_OPTIONS)).status).toBe('mismatch');
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('completed');
      });
    });

    describe('expiry', () => {
      it('a completed record keeps its fingerprint after the lock TTL has passed', async () => {
        const where = { scope: freshScope('keeps-fingerprint'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', shortLock), 'acquired');
        expect(await store.complete(where, begun.token, record(201, 'x'), { ttlMs: LONG })).toBe(
          true,
        );
        await pass(shortTtl);
        expect((await store.begin(where, 'fp-b', shortLock)).status).toBe('mismatch');
        const replay = await store.begin(where, 'fp-a', shortLock);
        expect(replay.status).toBe('completed');
      });

      it('an expired completed record is gone and the key can be claimed again', async () => {
        const where = { scope: freshScope('ttl'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        await store.complete(where, begun.token, record(201, 'x'), { ttlMs: shortTtl });
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('completed');
        await pass(shortTtl);
        const after = await store.begin(where, 'fp-b', LONG_OPTIONS);
        expect(after.status).toBe('acquired');
      });

      it('an expired lock is taken over with a new token; the old token is powerless', async () => {
        const where = { scope: freshScope('takeover'), key: 'k1' };
        const first = expectOutcome(await store.begin(where, 'fp-a', shortLock), 'acquired');
        await pass(shortTtl);
        const second = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        expect(second.token).not.toBe(first.token);
        expect(await store.complete(where, first.token, record(500), { ttlMs: LONG })).toBe(false);
        expect(await store.release(where, first.token)).toBe(false);
        // The new owner's claim survived the old token's attempts.
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('in-progress');
        expect(await store.complete(where, second.token, record(201, 'new'), { ttlMs: LONG })).toBe(
          true,
        );
        const replay = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'completed');
        expect(replay.record.status).toBe(201);
        expectSameBytes(replay.record.body, bytesOf('new'));
      });
    });

    describe('token ownership', () => {
      it('a wrong token neither completes nor releases, and changes nothing', async () => {
        const where = { scope: freshScope('wrong-token'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        const wrong = `${begun.token}-not`;
        expect(await store.complete(where, wrong, record(201), { ttlMs: LONG })).toBe(false);
        expect(await store.release(where, wrong)).toBe(false);
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('in-progress');
        expect(await store.complete(where, begun.token, record(201), { ttlMs: LONG })).toBe(true);
      });

      it('complete and release on an unknown key resolve false', async () => {
        const where = { scope: freshScope('unknown'), key: 'k1' };
        expect(await store.complete(where, 'no-such-token', record(201), { ttlMs: LONG })).toBe(
          false,
        );
        expect(await store.release(where, 'no-such-token')).toBe(false);
        expect((await store.begin(where, 'fp-a', LONG_OPTIONS)).status).toBe('acquired');
      });

      it('complete is one-shot, and release after complete keeps the record', async () => {
        const where = { scope: freshScope('one-shot'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        expect(await store.complete(where, begun.token, record(201, 'one'), { ttlMs: LONG })).toBe(
          true,
        );
        expect(await store.complete(where, begun.token, record(202, 'two'), { ttlMs: LONG })).toBe(
          false,
        );
        expect(await store.release(where, begun.token)).toBe(false);
        const replay = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'completed');
        expect(replay.record.status).toBe(201);
        expectSameBytes(replay.record.body, bytesOf('one'));
      });

      it('release frees the key: the next begin acquires it, with any fingerprint', async () => {
        const where = { scope: freshScope('release'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp-a', LONG_OPTIONS), 'acquired');
        expect(await store.release(where, begun.token)).toBe(true);
        expect(await store.release(where, begun.token)).toBe(false);
        const next = expectOutcome(await store.begin(where, 'fp-b', LONG_OPTIONS), 'acquired');
        expect(next.token).not.toBe(begun.token);
      });
    });

    describe('records round-trip exactly', () => {
      async function roundTrip(stored: StoredResponse): Promise<StoredResponse> {
        const where = { scope: freshScope('round-trip'), key: 'k1' };
        const begun = expectOutcome(await store.begin(where, 'fp', LONG_OPTIONS), 'acquired');
        expect(await store.complete(where, begun.token, stored, { ttlMs: LONG })).toBe(true);
        const replay = expectOutcome(await store.begin(where, 'fp', LONG_OPTIONS), 'completed');
        return replay.record;
      }

      it('keeps status, headers in order (repeated names too) and an empty body', async () => {
        const headers: Array<[string, string]> = [
          ['content-type', 'application/problem+json'],
          ['set-cookie', 'a=1; Path=/'],
          ['set-cookie', 'b=2; Path=/'],
          ['location', '/orders/ord_1?x="y"'],
          ['x-unicode', 'caf\u00e9'],
        ];
        const got = await roundTrip({ status: 422, headers, body: new Uint8Array(0) });
        expect(got.status).toBe(422);
        expect(got.headers).toEqual(headers);
        expectSameBytes(got.body, new Uint8Array(0));
      });

      it('keeps all 256 byte values', async () => {
        const body = new Uint8Array(512);
        for (let i = 0; i < 512; i++) body[i] = (i * 7 + (i >> 8)) & 0xff;
        const got = await roundTrip({ status: 200, headers: [], body });
        expect(new Set(body).size).toBe(256);
        expectSameBytes(got.body, body);
      });

      it('keeps a 1 MB body byte for byte', async () => {
        const body = noise(1024 * 1024);
        const got = await roundTrip({ status: 200, headers: [], body });
        expectSameBytes(got.body, body);
      });

      it('is not affected when the caller reuses its buffer after complete', async () => {
        const where = { scope: freshScope('copy'), key: 'k1' };
        const body = bytesOf('original');
        const begun = expectOutcome(await store.begin(where, 'fp', LONG_OPTIONS), 'acquired');
        await store.complete(
          where,
          begun.token,
          { status: 200, headers: [], body },
          { ttlMs: LONG },
        );
        body.fill(0);
        const replay = expectOutcome(await store.begin(where, 'fp', LONG_OPTIONS), 'completed');
        expectSameBytes(replay.record.body, bytesOf('original'));
      });
    });

    describe('concurrency and isolation', () => {
      it('of 200 concurrent begin calls on one key exactly one acquires', async () => {
        const where = { scope: freshScope('race'), key: 'k1' };
        const results = await Promise.all(
          Array.from({ length: 200 }, () => store.begin(where, 'fp-a', LONG_OPTIONS)),
        );
        const acquired = results.filter((r) => r.status === 'acquired');
        expect(acquired).toHaveLength(1);
        expect(results.filter((r) => r.status === 'in-progress')).toHaveLength(199);
      });

      it('of 200 concurrent begin calls with two fingerprints exactly one acquires', async () => {
        const where = { scope: freshScope('race-mixed'), key: 'k1' };
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            store.begin(where, i % 2 === 0 ? 'fp-a' : 'fp-b', LONG_OPTIONS),
          ),
        );
        expect(results.filter((r) => r.status === 'acquired')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'completed')).toHaveLength(0);
        expect(results.filter((r) => r.status === 'mismatch')).toHaveLength(100);
      });

      it('the same key in two scopes is two independent records', async () => {
        const a: StoreKey = { scope: freshScope('tenant-a'), key: 'shared-key' };
        const b: StoreKey = { scope: freshScope('tenant-b'), key: 'shared-key' };
        const inA = expectOutcome(await store.begin(a, 'fp-a', LONG_OPTIONS), 'acquired');
        await store.complete(a, inA.token, record(201, 'tenant a'), { ttlMs: LONG });
        const inB = expectOutcome(await store.begin(b, 'fp-b', LONG_OPTIONS), 'acquired');
        expect(await store.complete(a, inB.token, record(500), { ttlMs: LONG })).toBe(false);
        expect(await store.release(b, inA.token)).toBe(false);
        const replayA = expectOutcome(await store.begin(a, 'fp-a', LONG_OPTIONS), 'completed');
        expectSameBytes(replayA.record.body, bytesOf('tenant a'));
      });

      it('never confuses a scope/key split: ("a:b", "c") vs ("a", "b:c")', async () => {
        const base = freshScope('split');
        const one: StoreKey = { scope: `${base}:b`, key: 'c' };
        const two: StoreKey = { scope: base, key: 'b:c' };
        const begun = expectOutcome(await store.begin(one, 'fp', LONG_OPTIONS), 'acquired');
        await store.complete(one, begun.token, record(201, 'one'), { ttlMs: LONG });
        expect((await store.begin(two, 'fp', LONG_OPTIONS)).status).toBe('acquired');
        const spaced: StoreKey = { scope: `${base} b`, key: 'c' };
        const spacedTwo: StoreKey = { scope: base, key: 'b c' };
        expect((await store.begin(spaced, 'fp', LONG_OPTIONS)).status).toBe('acquired');
        expect((await store.begin(spacedTwo, 'fp', LONG_OPTIONS)).status).toBe('acquired');
      });
    });
  });
}
