import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { IdempotencyClaimLostError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
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

  it('handlers shorter than lockTtlMs / 3 are never extended and arm no timer of their own', async () => {
    const clock = manualClock({ now: 0 });
    const { calls, store } = counting(memoryStore({ clock }));
    const idem = createIdempotency({ store, lockTtlMs: LOCK, clock });
    for (let i = 0; i < 100; i++) {
      const r = new Request('http://localhost/orders', {
        method: 'POST',
        headers: { 'idempotency-key': `k${i}` },
        body: '{}',
      });
      expect((await idem.handle(r, () => new Response(null, { status: 201 }))).status).toBe(201);
    }
    // One shared wake-up for the middleware, not one per request; it finds nothing and ends.
    expect(clock.pending).toBe(1);
    await clock.advance(LOCK);
    expect(clock.pending).toBe(0);
    expect(calls.extend).toBe(0);
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
