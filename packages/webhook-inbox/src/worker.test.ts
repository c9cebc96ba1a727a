import { describe, expect, it } from 'vitest';
import type { NewInboxEvent } from './event.js';
import { createInbox, type InboxOptions } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import { retryPlan } from './retry.js';
import type { InboxStore } from './store.js';
import { clockAt, failing, T0 } from './test-utils/fixtures.js';

function event(
  eventId: string,
  type = 'invoice.paid',
  extra: Partial<NewInboxEvent> = {},
): NewInboxEvent {
  return {
    provider: 'stripe',
    eventId,
    type,
    payload: JSON.stringify({ id: eventId }),
    receivedAt: T0,
    orderAt: T0,
    source: 'delivery',
    ...extra,
  };
}

function setup(options: Partial<InboxOptions> = {}, store: InboxStore = memoryInboxStore()) {
  const clock = clockAt();
  const log: string[] = [];
  const inbox = createInbox({
    store,
    clock,
    random: () => 0.5,
    providers: { stripe: { secret: 'whsec_x' } },
    handlers: {},
    onProcessed: (e) => log.push(`processed ${e.id} #${e.attempt}`),
    onRetry: (e) => log.push(`retry ${e.id} #${e.attempt} in ${e.delayMs}`),
    onDeadLetter: (e) => log.push(`dead ${e.id} #${e.attempt} ${e.error.message}`),
    onStale: (e) => log.push(`stale ${e.id} ${e.resourceKey}`),
    onUnhandled: (e) => log.push(`unhandled ${e.id}`),
    onStoreError: (e) => log.push(`store-error ${e.operation}`),
    ...options,
  });
  return { inbox, store, clock, log };
}

describe('workers', () => {
  it('runs the handler for the type with the parsed payload, then marks the event done', async () => {
    const seen: unknown[] = [];
    const { inbox, store, log } = setup({
      handlers: {
        stripe: {
          'invoice.paid': async (e) => void seen.push([e.id, e.type, e.payload, e.attempt, e.raw]),
        },
      },
    });
    await store.insert(event('evt_1'));
    expect(await inbox.runOnce()).toBe(1);
    expect(seen).toEqual([['stripe:evt_1', 'invoice.paid', { id: 'evt_1' }, 1, '{"id":"evt_1"}']]);
    expect((await store.get('stripe:evt_1'))?.status).toBe('done');
    expect(log).toEqual(['processed stripe:evt_1 #1']);
    expect(await inbox.runOnce()).toBe(0);
  });

  it('retries a failing handler with backoff, then dead-letters it with its history; replay processes it', async () => {
    let fail = true;
    const { inbox, store, clock, log } = setup({
      retry: { attempts: 3, baseMs: 1_000 },
      handlers: {
        stripe: {
          'invoice.paid': async () => {
            if (fail) throw Object.assign(new TypeError('downstream said no'), { code: 'E_DOWN' });
          },
        },
      },
    });
    await store.insert(event('evt_r'));
    await inbox.runOnce();
    expect(await inbox.runOnce()).toBe(0); // not due yet
    clock.advance(500); // jitter: 0.5 × 1,000
    await inbox.runOnce();
    clock.advance(1_000); // 0.5 × 2,000
    await inbox.runOnce();
    expect(log).toEqual([
      'retry stripe:evt_r #1 in 500',
      'retry stripe:evt_r #2 in 1000',
      'dead stripe:evt_r #3 downstream said no',
    ]);
    const [letter] = await inbox.deadLetters.list({ provider: 'stripe' });
    expect(letter?.errors.map((e) => [e.attempt, e.name, e.code])).toEqual([
      [1, 'TypeError', 'E_DOWN'],
      [2, 'TypeError', 'E_DOWN'],
      [3, 'TypeError', 'E_DOWN'],
    ]);
    expect(await inbox.deadLetters.get('stripe:evt_r')).toMatchObject({
      status: 'dead',
      attempts: 3,
    });
    fail = false;
    expect(await inbox.deadLetters.replay(['stripe:evt_r'])).toBe(1);
    await inbox.runOnce();
    expect((await store.get('stripe:evt_r'))?.status).toBe('done');
    expect(log.at(-1)).toBe('processed stripe:evt_r #1');
  });

  it('replays dead letters by received time, and discards the rest (still duplicates afterwards)', async () => {
    const { inbox, store } = setup({
      retry: { attempts: 1 },
      handlers: {
        stripe: {
          '*': () => {
            throw new Error('x');
          },
        },
      },
    });
    for (let i = 0; i < 4; i++)
      await store.insert(event(`e${i}`, 'any', { receivedAt: T0 - 10 + i }));
    await inbox.runOnce();
    expect(await inbox.deadLetters.list()).toHaveLength(4);
    expect(await inbox.deadLetters.replay({ since: T0 - 9, until: T0 - 7 })).toBe(2);
    expect(await inbox.deadLetters.discard(['stripe:e0', 'stripe:e3', 'stripe:e1'])).toBe(2);
    expect((await store.get('stripe:e0'))?.status).toBe('discarded');
    expect(await store.insert(event('e0'))).toBe('duplicate');
  });

  it('handles unhandled types by policy: ignore, dead-letter or a fallback handler', async () => {
    const ignored = setup();
    await ignored.store.insert(event('u1', 'customer.created'));
    await ignored.inbox.runOnce();
    expect((await ignored.store.get('stripe:u1'))?.status).toBe('done');
    expect(ignored.log).toEqual(['unhandled stripe:u1']);

    const dead = setup({ unhandled: 'dead-letter', retry: { attempts: 5 } });
    await dead.store.insert(event('u2', 'customer.created'));
    await dead.inbox.runOnce();
    expect(dead.log).toEqual([
      'unhandled stripe:u2',
      'dead stripe:u2 #5 No handler for stripe event type "customer.created".',
    ]);

    const seen: string[] = [];
    const fallback = setup({ unhandled: async (e) => void seen.push(e.type) });
    await fallback.store.insert(event('u3', 'customer.created'));
    await fallback.inbox.runOnce();
    expect(seen).toEqual(['customer.created']);
    expect((await fallback.store.get('stripe:u3'))?.status).toBe('done');
  });

  it('with orderBy resource, processes a resource in provider order and reports an older event as stale', async () => {
    const order: string[] = [];
    const { inbox, store, log } = setup({
      orderBy: 'resource',
      handlers: { stripe: { '*': async (e) => void order.push(e.eventId) } },
    });
    await store.insert(event('b', 'x', { resourceKey: 'r', orderAt: T0 + 2 }));
    await store.insert(event('a', 'x', { resourceKey: 'r', orderAt: T0 + 1 }));
    await inbox.runOnce();
    await inbox.runOnce();
    expect(order).toEqual(['a', 'b']);
    await store.insert(event('late', 'x', { resourceKey: 'r', orderAt: T0 }));
    await inbox.runOnce();
    expect(order).toEqual(['a', 'b']);
    expect(log.at(-1)).toBe('stale stripe:late r');
    expect((await store.get('stripe:late'))?.status).toBe('stale');
  });

  it('extends the lease of a long handler so no other worker takes it, and aborts it when the lease is lost', async () => {
    let release!: () => void;
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store = memoryInboxStore();
    const { inbox, clock } = setup(
      { leaseMs: 3_000, handlers: { stripe: { '*': () => blocker } } },
      store,
    );
    await store.insert(event('long'));
    const running = inbox.runOnce();
    for (let i = 0; i < 5; i++) {
      await clock.advance(1_000); // a beat every 1,000 ms (a third of leaseMs)
      await Promise.resolve();
    }
    expect(
      await store.claim({
        worker: 'other',
        now: clock.now(),
        leaseMs: 3_000,
        limit: 5,
        ordered: false,
      }),
    ).toEqual([]);
    release();
    await running;
    expect((await store.get('stripe:long'))?.status).toBe('done');

    // A failing extend is reported and the handler goes on (the lease may still be live).
    let signal!: AbortSignal;
    let finish!: () => void;
    let started!: () => void;
    const running2 = new Promise<void>((resolve) => {
      started = resolve;
    });
    const flaky = setup(
      {
        leaseMs: 3_000,
        handlers: {
          stripe: {
            '*': (_e, context) => {
              signal = context.signal;
              started();
              return new Promise<void>((resolve) => {
                finish = resolve;
              });
            },
          },
        },
      },
      failing(store, new Set(['extend'])),
    );
    await store.insert(event('flaky'));
    const run = flaky.inbox.runOnce();
    await running2;
    await flaky.clock.advance(1_000);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(flaky.log).toContain('store-error extend');
    expect(signal.aborted).toBe(false);
    finish();
    await run;
    expect((await store.get('stripe:flaky'))?.status).toBe('done');
  });

  it('aborts a handler whose lease was lost, with InboxLeaseLostError as the reason', async () => {
    const store = memoryInboxStore();
    const lost: InboxStore = { ...store, extend: async () => false };
    let reason: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const { inbox, clock, log } = setup(
      {
        leaseMs: 3_000,
        retry: { attempts: 2 },
        handlers: {
          stripe: {
            '*': (_e, context) =>
              new Promise((_, reject) => {
                started();
                context.signal.addEventListener('abort', () => {
                  reason = context.signal.reason;
                  reject(context.signal.reason);
                });
              }),
          },
        },
      },
      lost,
    );
    await store.insert(event('gone'));
    const run = inbox.runOnce();
    await running;
    await clock.advance(1_000);
    await run;
    expect(reason).toMatchObject({ code: 'INBOX_LEASE_LOST' });
    expect(log).toEqual(['retry stripe:gone #1 in 500']);
  });

  it('a claim failure is reported and the loop keeps going', async () => {
    const { inbox, log } = setup({}, failing(memoryInboxStore(), new Set(['claim'])));
    expect(await inbox.runOnce()).toBe(0);
    expect(log).toEqual(['store-error claim']);
  });

  it('a settle failure leaves the event to be claimed again after its lease', async () => {
    const store = memoryInboxStore();
    const broken = failing(store, new Set(['settle']));
    const { inbox, clock, log } = setup(
      { leaseMs: 1_000, handlers: { stripe: { '*': async () => {} } } },
      broken,
    );
    await store.insert(event('s'));
    await inbox.runOnce();
    expect(log).toEqual(['store-error settle']);
    clock.advance(1_000);
    const [again] = await store.claim({
      worker: 'w2',
      now: clock.now(),
      leaseMs: 1_000,
      limit: 1,
      ordered: false,
    });
    expect(again).toMatchObject({ id: 'stripe:s', attempts: 2 });
  });

  it('dead-letters an event whose workers kept dying (attempts used up by expired leases)', async () => {
    const store = memoryInboxStore();
    const { inbox, clock, log } = setup(
      { retry: { attempts: 2 }, leaseMs: 1_000, handlers: { stripe: { '*': async () => {} } } },
      store,
    );
    await store.insert(event('crash'));
    for (let i = 0; i < 2; i++) {
      await store.claim({
        worker: 'dies',
        now: clock.now(),
        leaseMs: 1_000,
        limit: 1,
        ordered: false,
      });
      clock.advance(1_000);
    }
    await inbox.runOnce();
    expect(log).toEqual([
      expect.stringMatching(/^dead stripe:crash #3 2 attempts ended without an outcome/),
    ]);
  });
});

describe('a custom retry delay', () => {
  it('that throws never crashes the worker: the event is retried at once', async () => {
    const { inbox, store, log } = setup({
      handlers: { stripe: { '*': () => Promise.reject(new Error('boom')) } },
      retry: {
        delay: () => {
          throw new Error('delay bug');
        },
      },
    });
    await store.insert(event('evt_d'));
    await expect(inbox.runOnce()).resolves.toBe(1);
    expect(log).toEqual(['retry stripe:evt_d #1 in 0']);
    expect((await store.get('stripe:evt_d'))?.status).toBe('pending');
  });

  it('in fractions of a millisecond is rounded up to whole ms (BIGINT columns)', () => {
    const plan = retryPlan({ delay: (attempt) => 1_000 * 1.5 ** attempt });
    expect([1, 2, 3].map((n) => plan.delayAfter(n, undefined))).toEqual([1_500, 2_250, 3_375]);
    expect(plan.delayAfter(4, undefined)).toBe(5_063);
  });
});

describe('dead letters in bulk', () => {
  it('replays a range of more than one page (1,000) of dead letters', async () => {
    const { inbox, store } = setup({
      retry: { attempts: 1 },
      concurrency: 1_000,
      handlers: { stripe: { '*': () => Promise.reject(new Error('x')) } },
    });
    for (let i = 0; i < 1_203; i++)
      await store.insert(event(`bulk${i}`, 'any', { receivedAt: T0 - 2_000 + i }));
    await inbox.runOnce();
    await inbox.runOnce();
    expect(
      await store.claim({ worker: 'w', now: T0, leaseMs: 1, limit: 0, ordered: false }),
    ).toEqual([]); // limit 0 → 1, nothing due
    expect(await inbox.deadLetters.replay({ since: 0 })).toBe(1_203);
  });

  it('replays every dead letter of a range even when more than a page share one received millisecond', async () => {
    const { inbox, store } = setup({
      retry: { attempts: 1 },
      concurrency: 1_000,
      handlers: { stripe: { '*': () => Promise.reject(new Error('x')) } },
    });
    // A burst: 1,500 events stored in the same millisecond (a reconcile pass, a provider backlog).
    for (let i = 0; i < 1_500; i++) await store.insert(event(`burst${i}`, 'any'));
    await inbox.runOnce();
    await inbox.runOnce();
    expect(await inbox.deadLetters.list({ limit: 1_000 })).toHaveLength(1_000);
    expect(await inbox.deadLetters.replay({ since: T0 - 1, until: T0 + 1 })).toBe(1_500);
    expect(await inbox.deadLetters.list()).toEqual([]);
  });
});
