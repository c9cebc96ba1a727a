import { describe, expect, it } from 'vitest';
import type { NewInboxEvent } from './event.js';
import { createInbox } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import { clockAt, STRIPE_SECRET, stripeEvent, stripeRequest, T0 } from './test-utils/fixtures.js';

function event(eventId: string): NewInboxEvent {
  return {
    provider: 'stripe',
    eventId,
    type: 'invoice.paid',
    payload: '{}',
    receivedAt: T0,
    orderAt: T0,
    source: 'delivery',
  };
}

/** Advances the clock a second at a time until `promise` settles (at most `steps` seconds). */
async function advanceUntil(
  clock: ReturnType<typeof clockAt>,
  promise: Promise<unknown>,
  steps = 60,
): Promise<number> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  let seconds = 0;
  while (!settled && seconds < steps) {
    await clock.advance(1_000);
    seconds++;
  }
  await promise;
  return seconds;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('the worker loop', () => {
  it('processes a delivery as soon as it is stored, without waiting for the poll interval', async () => {
    const clock = clockAt();
    const processed = gate();
    const inbox = createInbox({
      store: memoryInboxStore(),
      clock,
      pollIntervalMs: 60_000,
      providers: { stripe: { secret: STRIPE_SECRET, now: () => clock.now() } },
      handlers: { stripe: { 'invoice.paid': async () => processed.open() } },
    });
    inbox.start();
    inbox.start(); // idempotent
    await inbox.receive('stripe', await stripeRequest(stripeEvent('evt_now')));
    await processed.opened; // no clock advance: the receiver woke the loop
    await inbox.stop();
    await inbox.stop(); // idempotent
    expect((await inbox.store.get('stripe:evt_now'))?.status).toBe('done');
  });

  it('polls the store when idle (events stored by other processes)', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    const processed = gate();
    const inbox = createInbox({
      store,
      clock,
      pollIntervalMs: 1_000,
      providers: { stripe: { secret: 's' } },
      handlers: { stripe: { '*': async () => processed.open() } },
    });
    inbox.start();
    await store.insert(event('other-process')); // no wake-up: only the poll finds it
    // Found by the next poll: within one interval of the loop going idle.
    expect(await advanceUntil(clock, processed.opened)).toBeLessThanOrEqual(2);
    await inbox.stop();
  });

  it('runs at most `concurrency` handlers at once and claims more as slots free up', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, gate);
    let started = 0;
    const allStarted = gate();
    const inbox = createInbox({
      store,
      clock,
      concurrency: 2,
      providers: { stripe: { secret: 's' } },
      handlers: {
        stripe: {
          '*': async () => {
            const mine = gates[started++]!;
            running++;
            peak = Math.max(peak, running);
            if (started === 5) allStarted.open();
            await mine.opened;
            running--;
          },
        },
      },
    });
    for (let i = 0; i < 5; i++) await store.insert(event(`c${i}`));
    inbox.start();
    for (const g of gates) {
      await new Promise((resolve) => setImmediate(resolve));
      g.open();
    }
    await allStarted.opened;
    await inbox.stop();
    expect(peak).toBe(2);
    expect((await store.list({ status: 'done' })).length).toBe(5);
  });

  it('stop() drains running handlers, and aborts them after drainMs (their event is retried)', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    const started = gate();
    const inbox = createInbox({
      store,
      clock,
      random: () => 0,
      providers: { stripe: { secret: 's' } },
      handlers: {
        stripe: {
          '*': (_e, { signal }) =>
            new Promise((_, reject) => {
              started.open();
              signal.addEventListener('abort', () => reject(signal.reason));
            }),
        },
      },
    });
    await store.insert(event('slow'));
    inbox.start();
    await started.opened;
    const waited = await advanceUntil(clock, inbox.stop({ drainMs: 5_000 }));
    expect(waited).toBeGreaterThanOrEqual(5); // the handler got its drain time
    expect(waited).toBeLessThanOrEqual(6);
    const stored = await store.get('stripe:slow');
    expect(stored?.status).toBe('pending');
    expect(stored?.errors[0]?.message).toBe(
      'The inbox worker stopped before the handler finished.',
    );
  });

  it('stop() returns after drainMs even when a handler ignores its signal (the event is retried)', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    const started = gate();
    const inbox = createInbox({
      store,
      clock,
      random: () => 0,
      providers: { stripe: { secret: 's' } },
      handlers: {
        stripe: {
          '*': () => {
            started.open();
            return new Promise<void>(() => {}); // hangs, never looks at its signal
          },
        },
      },
    });
    await store.insert(event('hung'));
    inbox.start();
    await started.opened;
    const waited = await advanceUntil(clock, inbox.stop({ drainMs: 5_000 }), 10);
    expect(waited).toBeGreaterThanOrEqual(5);
    expect(waited).toBeLessThanOrEqual(6);
    const stored = await store.get('stripe:hung');
    expect(stored?.status).toBe('pending');
    expect(stored?.errors[0]?.message).toBe(
      'The inbox worker stopped before the handler finished.',
    );
  });

  it('while every slot is busy, waits for a slot instead of polling (nothing piles up on a long handler)', async () => {
    const clock = clockAt();
    let polls = 0;
    const counting = {
      now: () => clock.now(),
      sleep: (ms: number, signal?: AbortSignal) => {
        if (ms === 1_000) polls++;
        return clock.sleep(ms, signal);
      },
    };
    const store = memoryInboxStore();
    const started = gate();
    const finish = gate();
    const inbox = createInbox({
      store,
      clock: counting,
      concurrency: 1,
      leaseMs: 3_600_000,
      providers: { stripe: { secret: 's' } },
      handlers: {
        stripe: {
          '*': async () => {
            started.open();
            await finish.opened;
          },
        },
      },
    });
    await store.insert(event('long'));
    inbox.start();
    await started.opened;
    const before = polls;
    for (let i = 0; i < 100; i++) await clock.advance(1_000);
    // Before: one poll (and one more reaction on every running handler) per interval.
    expect(polls - before).toBeLessThanOrEqual(1);
    finish.open();
    await inbox.stop();
    expect((await store.get('stripe:long'))?.status).toBe('done');
  });
});
