import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import {
  IdempotencyClaimLostError,
  type IdempotencyErrorEvent,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyOptionError,
  type IdempotencyStore,
  InvalidIdempotencyKeyError,
  makeIdempotent,
  memoryStore,
} from './index.js';

interface Message {
  id: string;
  cents: number;
}

describe('makeIdempotent', () => {
  it('runs once per key; a redelivery gets the stored result without running', async () => {
    const charge = vi.fn(async (m: Message) => ({ charged: m.cents, at: 'ledger-1' }));
    const once = makeIdempotent(charge, { store: memoryStore(), key: (m) => m.id });
    const message = { id: 'msg-1', cents: 500 };
    expect(await once(message)).toEqual({ charged: 500, at: 'ledger-1' });
    expect(await once({ ...message })).toEqual({ charged: 500, at: 'ledger-1' });
    expect(charge).toHaveBeenCalledTimes(1);
    // Another key runs; undefined results round-trip too.
    const nothing = makeIdempotent(async (_m: Message) => undefined, {
      store: memoryStore(),
      key: (m) => m.id,
    });
    expect(await nothing(message)).toBeUndefined();
    expect(await nothing(message)).toBeUndefined();
  });

  it('a concurrent call with the key throws IdempotencyInProgressError; the key with other arguments IdempotencyKeyReusedError', async () => {
    let finish: () => void = () => undefined;
    const slow = vi.fn(
      (_m: Message) =>
        new Promise<string>((resolve) => {
          finish = () => resolve('done');
        }),
    );
    const once = makeIdempotent(slow, { store: memoryStore(), key: (m) => m.id, lockTtlMs: 5_000 });
    const first = once({ id: 'm', cents: 1 });
    await vi.waitFor(() => expect(slow).toHaveBeenCalledTimes(1));
    const busy = await once({ id: 'm', cents: 1 }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(IdempotencyInProgressError);
    expect((busy as IdempotencyInProgressError).code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect((busy as IdempotencyInProgressError).retryAfterMs).toBeGreaterThan(0);
    finish();
    expect(await first).toBe('done');
    const reused = await once({ id: 'm', cents: 2 }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect((reused as Error).message).not.toContain('m"');
    expect(slow).toHaveBeenCalledTimes(1);
  });

  it('a throwing call releases the key (the retry runs); a store failure rejects before running', async () => {
    let fail = true;
    const work = vi.fn(async (_m: Message) => {
      if (fail) throw new Error('downstream 503');
      return 'ok';
    });
    const events: IdempotencyErrorEvent[] = [];
    const base = memoryStore();
    let down = false;
    let releaseFails = false;
    const store: IdempotencyStore = {
      begin: (...a) => (down ? Promise.reject(new Error('store down')) : base.begin(...a)),
      complete: (...a) => base.complete(...a),
      release: (...a) =>
        releaseFails ? Promise.reject(new Error('release down')) : base.release(...a),
      extend: (...a) => (base.extend as NonNullable<IdempotencyStore['extend']>)(...a),
    };
    const once = makeIdempotent(work, { store, key: (m) => m.id, onError: (e) => events.push(e) });
    await expect(once({ id: 'x', cents: 1 })).rejects.toThrow('downstream 503');
    fail = false;
    expect(await once({ id: 'x', cents: 1 })).toBe('ok');
    expect(work).toHaveBeenCalledTimes(2);
    down = true;
    await expect(once({ id: 'y', cents: 1 })).rejects.toThrow('store down');
    expect(work).toHaveBeenCalledTimes(2);
    down = false;
    fail = true;
    releaseFails = true;
    await expect(once({ id: 'z', cents: 1 })).rejects.toThrow('downstream 503');
    expect(events.map((e) => e.phase)).toEqual(['release']);
  });

  it('a result that cannot be stored: the failure or lost claim is reported and the result still returned', async () => {
    const events: IdempotencyErrorEvent[] = [];
    const base = memoryStore();
    let mode: 'throw' | 'lost' = 'throw';
    const store: IdempotencyStore = {
      begin: (...a) => base.begin(...a),
      complete: async () => {
        if (mode === 'throw') throw new Error('complete down');
        return false;
      },
      release: (...a) => base.release(...a),
    };
    const once = makeIdempotent(async (m: Message) => m.cents, {
      store,
      key: (m) => m.id,
      onError: (e) => events.push(e),
    });
    expect(await once({ id: 'a', cents: 3 })).toBe(3);
    mode = 'lost';
    expect(await once({ id: 'b', cents: 4 })).toBe(4);
    expect(events.map((e) => e.phase)).toEqual(['complete', 'complete']);
    expect(events[1]?.error).toBeInstanceOf(IdempotencyClaimLostError);
    // A result JSON cannot hold is a programming error: the key is released and it throws.
    const bad = makeIdempotent(async () => 1n, { store: memoryStore(), key: () => 'k' });
    await expect(bad()).rejects.toThrow(TypeError);
    // So is one without a JSON form (a function, a symbol): before, an empty body was stored
    // and every redelivery failed with a SyntaxError while parsing it.
    const noJson = makeIdempotent(async (): Promise<unknown> => () => 1, {
      store: memoryStore(),
      key: () => 'k',
    });
    await expect(noJson()).rejects.toThrow(/no JSON form/);
    await expect(noJson()).rejects.toThrow(/no JSON form/);
  });

  it('a long call is kept alive by the heartbeat; heartbeat: false lets it be taken over', async () => {
    for (const heartbeat of [true, false]) {
      const clock = manualClock({ now: 0 });
      const finishers: Array<() => void> = [];
      const run = vi.fn(() => new Promise<string>((resolve) => finishers.push(() => resolve('r'))));
      const once = makeIdempotent(run, {
        store: memoryStore({ clock }),
        key: () => 'job-1',
        lockTtlMs: 3_000,
        clock,
        heartbeat,
      });
      void once();
      await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(1));
      await new Promise<void>((resolve) => setImmediate(resolve)); // the heartbeat arms its ticker
      await clock.advance(9_000);
      const second = once();
      if (heartbeat) {
        await expect(second).rejects.toBeInstanceOf(IdempotencyInProgressError);
      } else {
        await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(2));
      }
      for (const f of finishers) f();
    }
  });

  it('checks its options and keys', async () => {
    const store = memoryStore();
    expect(() => makeIdempotent(async () => 1, { store: {} as never, key: () => 'k' })).toThrow(
      IdempotencyOptionError,
    );
    expect(() => makeIdempotent(1 as never, { store, key: () => 'k' })).toThrow(/`fn`/);
    expect(() => makeIdempotent(async () => 1, { store, key: 'k' as never })).toThrow(/`key`/);
    expect(() => makeIdempotent(async () => 1, { store, key: () => 'k', ttlMs: 0 })).toThrow(
      /`ttlMs`/,
    );
    expect(() => makeIdempotent(async () => 1, { store, key: () => 'k', lockTtlMs: 0 })).toThrow(
      /`lockTtlMs`/,
    );
    await expect(makeIdempotent(async () => 1, { store, key: () => '' })()).rejects.toBeInstanceOf(
      InvalidIdempotencyKeyError,
    );
    await expect(
      makeIdempotent(async () => 1, { store, key: () => 'x'.repeat(256) })(),
    ).rejects.toMatchObject({ rule: 'too-long' });
    // Own fingerprint and scope: two functions sharing a store and keys stay apart.
    const a = makeIdempotent(async () => 'a', {
      store,
      key: () => 'same',
      scope: 'a',
      fingerprint: () => 'f',
    });
    const b = makeIdempotent(async () => 'b', {
      store,
      key: () => 'same',
      scope: 'b',
      fingerprint: () => 'f',
    });
    expect([await a(), await b(), await a()]).toEqual(['a', 'b', 'a']);
  });
});
