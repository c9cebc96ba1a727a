import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { IdempotencyOptionError, IdempotencyStoreError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { runStoreConformance } from './testing.js';
import { createIdempotency } from './web.js';

const clock = manualClock({ now: 1_000_000 });
runStoreConformance(
  'memoryStore (manual clock)',
  () => memoryStore({ maxEntries: 10_000, clock }),
  {
    clock,
  },
);

// Real time, short TTLs: the path adapters on database servers take.
runStoreConformance('memoryStore (real time)', () => memoryStore({ maxEntries: 10_000 }), {
  shortTtlMs: 40,
  teardown: (store) => (store as ReturnType<typeof memoryStore>).clear(),
});

const long = { lockTtlMs: 60_000, ttlMs: 60_000 };
const key = (k: string) => ({ scope: 's', key: k });

describe('memoryStore', () => {
  it('keeps each scope apart, and drops a scope once its last record goes', async () => {
    const store = memoryStore({ maxEntries: 10 });
    const a = await store.begin({ scope: 'a', key: 'bc' }, 'fp', long);
    const b = await store.begin({ scope: 'ab', key: 'c' }, 'other', long);
    expect([a.status, b.status, store.size]).toEqual(['acquired', 'acquired', 2]);
    if (a.status !== 'acquired') throw new Error(a.status);
    expect(await store.release({ scope: 'a', key: 'bc' }, a.token)).toBe(true);
    expect(store.size).toBe(1);
    expect(await store.release({ scope: 'a', key: 'bc' }, a.token)).toBe(false);
    expect((await store.begin({ scope: 'a', key: 'bc' }, 'fp', long)).status).toBe('acquired');
    expect((await store.begin({ scope: 'ab', key: 'c' }, 'fp', long)).status).toBe('mismatch');
    expect(store.size).toBe(2);
  });

  it('records with equal headers share one frozen copy; the caller keeps its own arrays', async () => {
    const store = memoryStore({ maxEntries: 10 });
    const stored = async (k: string, headers: Array<[string, string]>) => {
      const begun = await store.begin(key(k), 'fp', long);
      if (begun.status !== 'acquired') throw new Error(begun.status);
      await store.complete(
        key(k),
        begun.token,
        { status: 201, headers, body: new Uint8Array([1]) },
        long,
      );
      const replay = await store.begin(key(k), 'fp', long);
      if (replay.status !== 'completed') throw new Error(replay.status);
      return replay.record.headers;
    };
    const mine: Array<[string, string]> = [['content-type', 'application/json']];
    const a = await stored('a', mine);
    mine[0] = ['content-type', 'text/plain']; // the caller's array is not the stored one
    const b = await stored('b', [['content-type', 'application/json']]);
    expect(a).toEqual([['content-type', 'application/json']]);
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a[0])).toBe(true);
    const c = await stored('c', [
      ['content-type', 'text/plain'],
      ['etag', '"1"'],
    ]);
    expect(c).toEqual([
      ['content-type', 'text/plain'],
      ['etag', '"1"'],
    ]);
    expect(await stored('d', [])).toEqual([]);
    // An earlier record keeps its own headers after others were stored.
    expect((await store.begin(key('a'), 'fp', long)).status).toBe('completed');
    const again = await store.begin(key('a'), 'fp', long);
    expect(again.status === 'completed' && again.record.headers).toEqual([
      ['content-type', 'application/json'],
    ]);
  });

  it('rejects a bad maxEntries, naming the option', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 10_000_001]) {
      expect(() => memoryStore({ maxEntries: bad })).toThrow(IdempotencyOptionError);
    }
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(memoryStore().size).toBe(0);
  });

  it('evicts the least recently used completed record when full, never a claim in progress', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 3, clock });
    const record = { status: 201, headers: [], body: new Uint8Array([1]) };
    const a = await store.begin(key('a'), 'f', long); // a handler still running
    for (const k of ['b', 'c']) {
      const r = await store.begin(key(k), 'f', long);
      if (r.status !== 'acquired') throw new Error('expected acquired');
      await store.complete(key(k), r.token, record, long);
    }
    // Touch b: c becomes the least recently used completed record.
    expect((await store.begin(key('b'), 'f', long)).status).toBe('completed');
    expect((await store.begin(key('d'), 'f', long)).status).toBe('acquired');
    expect(store.size).toBe(3);
    // c went; a, the oldest entry of all, was kept: a retry still sees it in progress.
    expect((await store.begin(key('a'), 'f', long)).status).toBe('in-progress');
    expect((await store.begin(key('b'), 'f', long)).status).toBe('completed');
    if (a.status !== 'acquired') throw new Error('expected acquired');
    expect(await store.complete(key('a'), a.token, record, long)).toBe(true);
  });

  it('full of live claims: begin rejects with IdempotencyStoreError (→ 503); an expired lock makes room', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 2, clock });
    const lock = { lockTtlMs: 1_000, ttlMs: 60_000 };
    const x = await store.begin(key('x'), 'f', lock);
    await clock.advance(10);
    await store.begin(key('y'), 'f', lock);
    const refused = await store.begin(key('z'), 'f', lock).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(IdempotencyStoreError);
    expect((refused as IdempotencyStoreError).store).toBe('memory');
    expect((refused as Error).message).toMatch(/raise maxEntries/);
    expect(store.size).toBe(2);
    // Behind the middleware: 503 with Retry-After, the handler not run.
    let runs = 0;
    const response = await createIdempotency({ store }).handle(
      new Request('http://localhost/o', {
        method: 'POST',
        headers: { 'idempotency-key': 'w' },
        body: '{}',
      }),
      () => {
        runs += 1;
        return new Response(null, { status: 201 });
      },
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(runs).toBe(0);
    // x's lock expires: its dead claim is the one evicted.
    await clock.advance(995);
    expect((await store.begin(key('z'), 'f', lock)).status).toBe('acquired');
    if (x.status !== 'acquired') throw new Error('expected acquired');
    expect(
      await store.complete(
        key('x'),
        x.token,
        { status: 200, headers: [], body: new Uint8Array() },
        lock,
      ),
    ).toBe(false);
    expect((await store.begin(key('y'), 'f', lock)).status).toBe('in-progress');
  });

  it('full of claims: a dead claim makes room even when an older claim is kept alive by extend', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 2, clock });
    const lock = { lockTtlMs: 1_000, ttlMs: 60_000 };
    const alive = await store.begin(key('alive'), 'f', lock); // a long handler, heartbeat on
    if (alive.status !== 'acquired') throw new Error('expected acquired');
    await clock.advance(10);
    await store.begin(key('dead'), 'f', lock); // its handler stopped without releasing
    for (let t = 0; t < 3; t++) {
      await clock.advance(500);
      expect(await store.extend?.(key('alive'), alive.token, { lockTtlMs: 1_000 })).toBe(true);
    }
    // dead's lock expired at 1,010; alive's runs to 2,500: the dead claim is the one evicted.
    expect((await store.begin(key('new'), 'f', lock)).status).toBe('acquired');
    expect((await store.begin(key('alive'), 'f', lock)).status).toBe('in-progress');
  });

  it('sweeps expired records on insert, so expiry frees room before eviction', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 100, clock });
    await store.begin(key('old1'), 'f', { lockTtlMs: 10, ttlMs: 10 });
    await store.begin(key('old2'), 'f', { lockTtlMs: 10, ttlMs: 10 });
    await store.begin(key('live'), 'f', long);
    expect(store.size).toBe(3);
    await clock.advance(11);
    await store.begin(key('new'), 'f', long);
    expect(store.size).toBe(2);
    store.clear();
    expect(store.size).toBe(0);
  });

  it('keeps an in-progress claim at least lockTtlMs even when ttlMs is shorter', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 10, clock });
    await store.begin(key('k'), 'f', { lockTtlMs: 100, ttlMs: 10 });
    await clock.advance(50);
    expect(await store.begin(key('k'), 'f', { lockTtlMs: 100, ttlMs: 10 })).toEqual({
      status: 'in-progress',
      retryAfterMs: 50,
    });
  });

  it('stays bounded with O(1) work per call: 3× maxEntries inserts, expired ones swept', async () => {
    const clock = manualClock({ now: 0 });
    const max = 1000;
    const store = memoryStore({ maxEntries: max, clock });
    const short = { lockTtlMs: 10, ttlMs: 10 };
    const record = { status: 200, headers: [], body: new Uint8Array([1]) };
    // Interleave completed, released, touched and short-lived claims so both lists churn.
    for (let i = 0; i < 3 * max; i++) {
      const r = await store.begin(key(`k${i}`), 'f', i % 4 === 3 ? short : long);
      if (r.status !== 'acquired') throw new Error('expected acquired');
      if (i % 4 === 0 || i % 4 === 1) await store.complete(key(`k${i}`), r.token, record, long);
      if (i % 4 === 2) await store.release(key(`k${i}`), r.token);
      if (i % 5 === 0 && i > 0) await store.begin(key(`k${i - 1}`), 'f', long);
      if (i % 7 === 0) await clock.advance(11); // short claims expire
      expect(store.size).toBeLessThanOrEqual(max);
    }
    expect(store.size).toBe(max);
    // The newest completed keys survived eviction; the oldest were evicted.
    expect((await store.begin(key(`k${3 * max - 4}`), 'f', long)).status).toBe('completed');
    expect((await store.begin(key('k0'), 'f', long)).status).toBe('acquired');
    // Everything still held expires; a few inserts per entry sweep it all, without lookups.
    await clock.advance(700_000);
    const live = { lockTtlMs: 1_000_000, ttlMs: 1_000_000 };
    for (let i = 0; i < max / 2; i++) await store.begin(key(`n${i}`), 'f', live);
    expect(store.size).toBe(max / 2);
    for (let i = 0; i < max / 2; i++) {
      expect((await store.begin(key(`n${i}`), 'f', live)).status).toBe('in-progress');
    }
  });

  it('sweeps expired records that sit behind live ones in recency order', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 100, clock });
    await store.begin(key('live1'), 'f', long);
    await store.begin(key('live2'), 'f', long);
    for (let i = 0; i < 10; i++) await store.begin(key(`old${i}`), 'f', { lockTtlMs: 5, ttlMs: 5 });
    expect(store.size).toBe(12);
    await clock.advance(6);
    for (let i = 0; i < 4; i++) await store.begin(key(`new${i}`), 'f', long);
    expect(store.size).toBe(6);
  });

  it('keeps sweeping correctly when the entry under the sweep hand is touched or released', async () => {
    const clock = manualClock({ now: 0 });
    const store = memoryStore({ maxEntries: 100, clock });
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await store.begin(key(`e${i}`), 'f', i < 6 ? long : { lockTtlMs: 5, ttlMs: 5 });
      if (r.status !== 'acquired') throw new Error('expected acquired');
      tokens.push(r.token);
    }
    // Touch and release entries while the sweep hand walks the list.
    await store.begin(key('x'), 'f', long);
    expect((await store.begin(key('e4'), 'f', long)).status).toBe('in-progress');
    expect(await store.release(key('e5'), tokens[5] as string)).toBe(true);
    await clock.advance(6);
    for (let i = 0; i < 6; i++) await store.begin(key(`y${i}`), 'f', long);
    // e0..e4, x and y0..y5 live; e6..e11 expired and swept.
    expect(store.size).toBe(12);
    // Releasing the newest and the only entries keeps the list consistent.
    const solo = memoryStore({ maxEntries: 1, clock });
    const a = await solo.begin(key('a'), 'f', long);
    if (a.status !== 'acquired') throw new Error('expected acquired');
    expect(await solo.release(key('a'), a.token)).toBe(true);
    expect(solo.size).toBe(0);
    const b = await solo.begin(key('b'), 'f', long);
    if (b.status !== 'acquired') throw new Error('expected acquired');
    // b is a live claim: no room for c until b completes.
    await expect(solo.begin(key('c'), 'f', long)).rejects.toBeInstanceOf(IdempotencyStoreError);
    await solo.complete(
      key('b'),
      b.token,
      { status: 200, headers: [], body: new Uint8Array() },
      long,
    );
    expect((await solo.begin(key('c'), 'f', long)).status).toBe('acquired');
    expect(solo.size).toBe(1);
  });
});
