import { type ManualClock, manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { IdempotencyClaimLostError } from './errors.js';
import { Heartbeat, type HeartbeatClock } from './heartbeat.js';
import {
  createIdempotency,
  type IdempotencyErrorEvent,
  type IdempotencyStore,
  memoryStore,
} from './index.js';

const LOCK = 3_000;

function request(): Request {
  return new Request('http://localhost/orders', {
    method: 'POST',
    headers: { 'idempotency-key': '"k-1"' },
    body: '{"sku":"A1"}',
  });
}

/** A handler that finishes when told to, counting its runs. */
function slowHandler() {
  let runs = 0;
  const finishers: Array<() => void> = [];
  return {
    runs: () => runs,
    finish: () => finishers.shift()?.(),
    handler: async () => {
      runs += 1;
      await new Promise<void>((resolve) => finishers.push(resolve));
      return Response.json({ run: runs }, { status: 201 });
    },
  };
}

function keyed(key: string): Request {
  return new Request('http://localhost/orders', {
    method: 'POST',
    headers: { 'idempotency-key': `"${key}"` },
    body: '{}',
  });
}

/** Lets the turn of the event loop end: the heartbeat arms its ticker for claims still running. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The injected clock, counting every timer armed through it. */
function countingClock(clock: ManualClock) {
  const timers = { armed: 0 };
  const counted: HeartbeatClock = {
    now: () => clock.now(),
    sleep: (ms, signal) => {
      timers.armed += 1;
      return clock.sleep(ms, signal);
    },
  };
  return { timers, clock: counted };
}

function counting(store: IdempotencyStore) {
  const calls = { extend: 0 };
  const counted: IdempotencyStore = {
    begin: (...a) => store.begin(...a),
    complete: (...a) => store.complete(...a),
    release: (...a) => store.release(...a),
    extend: (...a) => {
      calls.extend += 1;
      return (store.extend as NonNullable<IdempotencyStore['extend']>)(...a);
    },
  };
  return { calls, store: counted };
}

describe('heartbeat', () => {
  it('a handler slower than lockTtlMs is never run twice at once: its claim is extended', async () => {
    const clock = manualClock({ now: 0 });
    const { calls, store } = counting(memoryStore({ clock }));
    const slow = slowHandler();
    const idem = createIdempotency({ store, lockTtlMs: LOCK, clock });
    const first = idem.handle(request(), slow.handler);
    await vi.waitFor(() => expect(slow.runs()).toBe(1)); // the body is read, the key claimed
    await nextTurn(); // the handler outlived its turn: the ticker is armed
    await clock.advance(LOCK * 3); // three lock TTLs into the handler
    const retry = await idem.handle(request(), slow.handler);
    expect(retry.status).toBe(409);
    expect(slow.runs()).toBe(1);
    expect(calls.extend).toBeGreaterThanOrEqual(8); // every lockTtlMs / 3
    slow.finish();
    expect((await first).status).toBe(201);
    const replay = await idem.handle(request(), slow.handler);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(slow.runs()).toBe(1);
  });

  it('without it (heartbeat: false) the same retry takes the claim over and runs the handler again', async () => {
    const clock = manualClock({ now: 0 });
    const slow = slowHandler();
    const idem = createIdempotency({
      store: memoryStore({ clock }),
      lockTtlMs: LOCK,
      clock,
      heartbeat: false,
    });
    void idem.handle(request(), slow.handler);
    await vi.waitFor(() => expect(slow.runs()).toBe(1));
    await clock.advance(LOCK * 3);
    void idem.handle(request(), slow.handler);
    await vi.waitFor(() => expect(slow.runs()).toBe(2));
    expect(clock.pending).toBe(0);
  });

  it('a short handler arms no timer, even the first claim of an idle middleware', async () => {
    const manual = manualClock({ now: 0 });
    const { timers, clock } = countingClock(manual);
    const { calls, store } = counting(memoryStore({ clock: manual }));
    const idem = createIdempotency({ store, lockTtlMs: LOCK, clock });
    const response = await idem.handle(keyed('first'), () => new Response(null, { status: 201 }));
    expect(response.status).toBe(201);
    await nextTurn(); // when the ticker would be armed, had the handler still been running
    expect(timers.armed).toBe(0);
    expect(manual.pending).toBe(0);
    expect(calls.extend).toBe(0);
  });

  it('steady short traffic arms the one shared ticker once; sporadic short handlers arm nothing', async () => {
    const manual = manualClock({ now: 0 });
    const { timers, clock } = countingClock(manual);
    const { calls, store } = counting(memoryStore({ clock: manual, maxEntries: 10_000 }));
    const idem = createIdempotency({ store, lockTtlMs: LOCK, clock });
    let i = 0;
    const short = async () => {
      const r = keyed(`k${i++}`);
      expect((await idem.handle(r, () => new Response(null, { status: 201 }))).status).toBe(201);
    };
    // Sporadic: one short handler per lockTtlMs / 3, each the first claim of an idle spell.
    for (let n = 0; n < 5; n++) {
      await short();
      await nextTurn();
      await manual.advance(LOCK / 3);
    }
    expect(timers.armed).toBe(0);
    // Steady: the second claim within lockTtlMs / 3 arms the ticker (its one timer); then 200
    // short handlers one after another and 50 at once arm nothing more.
    await short();
    await short();
    expect(timers.armed).toBe(1);
    expect(manual.pending).toBe(1); // the ticker, asleep
    for (let n = 0; n < 200; n++) await short();
    await Promise.all(Array.from({ length: 50 }, short));
    expect(timers.armed).toBe(1);
    // Steady short traffic for ten lock TTLs: the ticker wakes every lockTtlMs / 3 whatever
    // the number of requests (1,200 here), and no handler arms anything.
    for (let step = 0; step < 60; step++) {
      await manual.advance(LOCK / 6);
      await nextTurn(); // let the ticker sleep again
      const before = timers.armed;
      for (let n = 0; n < 20; n++) await short();
      expect(timers.armed).toBe(before);
    }
    expect(timers.armed).toBeLessThanOrEqual(1 + 30);
    expect(calls.extend).toBe(0); // never extended
    // A whole lockTtlMs after the wake-up that saw the last claim, the ticker stops.
    await manual.advance(LOCK);
    expect(manual.pending).toBe(1);
    await manual.advance(LOCK / 3);
    expect(manual.pending).toBe(0);
    // And the next short handler, the first of a new idle spell, arms nothing.
    const idle = timers.armed;
    await short();
    await nextTurn();
    expect(timers.armed).toBe(idle);
    expect(manual.pending).toBe(0);
  });

  it('a handler still running at the end of its turn arms the ticker, in an idle middleware too', async () => {
    const manual = manualClock({ now: 0 });
    const { timers, clock } = countingClock(manual);
    const idem = createIdempotency({
      store: memoryStore({ clock: manual }),
      lockTtlMs: LOCK,
      clock,
    });
    const slow = slowHandler();
    const first = idem.handle(keyed('slow'), slow.handler);
    await vi.waitFor(() => expect(slow.runs()).toBe(1));
    await nextTurn();
    expect(timers.armed).toBe(1);
    expect(manual.pending).toBe(1);
    slow.finish();
    expect((await first).status).toBe(201);
  });

  it('without setImmediate, the first claim of an idle middleware arms the ticker at once', async () => {
    const clock = manualClock({ now: 0 });
    const beat = new Heartbeat(memoryStore({ clock }), LOCK, clock, () => undefined, null);
    beat.stop(beat.start({ scope: 's', key: 'a' }, 't'));
    expect(beat.ticking).toBe(true);
    expect(clock.pending).toBe(1);
  });

  it('a long handler that starts while the ticker runs is extended from lockTtlMs / 3 on, never later than 1.25 × that apart', async () => {
    const clock = manualClock({ now: 0 });
    const base = memoryStore({ clock });
    const at: number[] = [];
    const store: IdempotencyStore = {
      begin: (...a) => base.begin(...a),
      complete: (...a) => base.complete(...a),
      release: (...a) => base.release(...a),
      extend: (...a) => {
        at.push(clock.now());
        return (base.extend as NonNullable<IdempotencyStore['extend']>)(...a);
      },
    };
    const beat = new Heartbeat(store, LOCK, clock, () => undefined);
    const first = beat.start({ scope: 's', key: 'short' }, 't0');
    await nextTurn();
    beat.stop(first); // the ticker runs, idle
    await clock.advance(LOCK / 3 + 1); // just after an idle wake-up
    const claim = await base.begin({ scope: 's', key: 'long' }, 'f', {
      lockTtlMs: LOCK,
      ttlMs: LOCK * 10,
    });
    if (claim.status !== 'acquired') throw new Error(claim.status);
    const started = clock.now();
    const long = beat.start({ scope: 's', key: 'long' }, claim.token);
    await clock.advance(LOCK * 4);
    expect(at.length).toBeGreaterThanOrEqual(10);
    const gaps = at.map((t, n) => t - (n === 0 ? started : (at[n - 1] as number)));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(LOCK / 3);
      expect(gap).toBeLessThanOrEqual((LOCK / 3) * 1.25);
    }
    expect(
      (await base.begin({ scope: 's', key: 'long' }, 'f', { lockTtlMs: LOCK, ttlMs: LOCK * 10 }))
        .status,
    ).toBe('in-progress');
    beat.stop(long);
  });

  it('a clock whose sleep fails is reported; the next claim starts the ticker again', async () => {
    const clock = manualClock({ now: 0 });
    const errors: unknown[] = [];
    let fail = true;
    const flaky = {
      now: () => clock.now(),
      sleep: (ms: number) => (fail ? Promise.reject(new Error('no timers here')) : clock.sleep(ms)),
    };
    const beat = new Heartbeat(memoryStore({ clock }), LOCK, flaky, (e) => errors.push(e));
    const first = beat.start({ scope: 's', key: 'a' }, 't');
    await nextTurn();
    beat.stop(first);
    await vi.waitFor(() => expect(beat.ticking).toBe(false));
    expect((errors[0] as Error).message).toBe('no timers here');
    fail = false;
    beat.start({ scope: 's', key: 'b' }, 't');
    await nextTurn();
    expect(beat.ticking).toBe(true);
    expect(clock.pending).toBe(1);
  });

  it('a lost claim is reported once and no longer extended; a failing extend is reported and retried', async () => {
    const clock = manualClock({ now: 0 });
    const events: IdempotencyErrorEvent[] = [];
    let fail = true;
    let owned = true;
    const base = memoryStore({ clock });
    const store: IdempotencyStore = {
      begin: (...a) => base.begin(...a),
      complete: (...a) => base.complete(...a),
      release: (...a) => base.release(...a),
      extend: async () => {
        if (fail) throw new Error('store down');
        return owned;
      },
    };
    const beat = new Heartbeat(store, LOCK, clock, (error) =>
      events.push({ phase: 'extend', error }),
    );
    const started = beat.start({ scope: 's', key: 'k' }, 't');
    expect(beat.size).toBe(1);
    await nextTurn();
    await clock.advance(LOCK / 3);
    expect(events.map((e) => (e.error as Error).message)).toEqual(['store down']);
    fail = false;
    owned = false;
    await clock.advance(LOCK / 3);
    expect(events[1]?.error).toBeInstanceOf(IdempotencyClaimLostError);
    expect(beat.size).toBe(0);
    await clock.advance(LOCK);
    expect(events).toHaveLength(2);
    beat.stop(started);
    beat.stop(undefined);
  });

  it('a store without extend gets no heartbeat; bad options are refused', async () => {
    const clock = manualClock({ now: 0 });
    const base = memoryStore({ clock });
    const plain: IdempotencyStore = {
      begin: (...a) => base.begin(...a),
      complete: (...a) => base.complete(...a),
      release: (...a) => base.release(...a),
    };
    const beat = new Heartbeat(plain, LOCK, clock, () => undefined);
    expect(beat.start({ scope: 's', key: 'k' }, 't')).toBeUndefined();
    expect(clock.pending).toBe(0);
    expect(() => createIdempotency({ store: base, heartbeat: 'yes' as never })).toThrow(
      /`heartbeat`/,
    );
    expect(() => createIdempotency({ store: base, clock: {} as never })).toThrow(/`clock`/);
  });

  it('the default clock never holds the process open', async () => {
    const { unrefClock } = await import('./heartbeat.js');
    const started = unrefClock.now();
    await unrefClock.sleep(1);
    expect(unrefClock.now()).toBeGreaterThanOrEqual(started);
  });
});
