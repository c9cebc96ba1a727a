import { describe, expect, it } from 'vitest';
import { InboxHandlerTimeoutError } from './errors.js';
import { createInbox } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import { clockAt, T0, withResolvers } from './test-utils/fixtures.js';

const newEvent = (eventId: string) => ({
  provider: 'stripe',
  eventId,
  type: 'invoice.paid',
  payload: '{}',
  receivedAt: T0,
  orderAt: T0,
  source: 'delivery' as const,
});

describe('handlerTimeoutMs', () => {
  it('aborts a handler that runs too long: the attempt fails with a typed timeout, retried, then dead', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    const reasons: unknown[] = [];
    const log: string[] = [];
    let started = withResolvers();
    const inbox = createInbox({
      store,
      clock,
      random: () => 0.5,
      handlerTimeoutMs: 5_000,
      retry: { attempts: 2, baseMs: 1_000 },
      providers: { stripe: { secret: 'whsec_x' } },
      handlers: {
        stripe: {
          // Never settles on its own; only records why its signal aborted.
          'invoice.paid': (_event, { signal }) =>
            new Promise<void>(() => {
              started.resolve();
              signal.addEventListener('abort', () => reasons.push(signal.reason));
            }),
        },
      },
      onRetry: (e) => log.push(`retry #${e.attempt} ${e.error.code} in ${e.delayMs}`),
      onDeadLetter: (e) => log.push(`dead #${e.attempt} ${e.error.code}`),
    });
    await store.insert(newEvent('evt_slow'));
    let settled = false;
    const first = inbox.runOnce().then(() => {
      settled = true;
    });
    await started.promise;
    await clock.advance(4_999);
    expect(settled).toBe(false); // still within the limit
    await clock.advance(1);
    await first;
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(InboxHandlerTimeoutError);
    expect(reasons[0]).toMatchObject({ code: 'INBOX_HANDLER_TIMEOUT', timeoutMs: 5_000 });
    expect(log).toEqual(['retry #1 INBOX_HANDLER_TIMEOUT in 500']);
    const pending = await store.get('stripe:evt_slow');
    expect(pending?.status).toBe('pending');
    expect(pending?.errors).toEqual([
      {
        attempt: 1,
        at: T0 + 5_000,
        name: 'InboxHandlerTimeoutError',
        code: 'INBOX_HANDLER_TIMEOUT',
        message:
          'The handler did not settle within handlerTimeoutMs (5000 ms); the attempt counts as failed.',
      },
    ]);

    await clock.advance(500);
    started = withResolvers();
    const second = inbox.runOnce();
    await started.promise;
    await clock.advance(5_000);
    await second;
    expect(log).toEqual(['retry #1 INBOX_HANDLER_TIMEOUT in 500', 'dead #2 INBOX_HANDLER_TIMEOUT']);
    const dead = await inbox.deadLetters.get('stripe:evt_slow');
    expect(dead?.errors.map((e) => e.code)).toEqual([
      'INBOX_HANDLER_TIMEOUT',
      'INBOX_HANDLER_TIMEOUT',
    ]);
  });

  it('leaves a handler that finishes in time alone, and cancels its timer', async () => {
    const clock = clockAt();
    const store = memoryInboxStore();
    let signal: AbortSignal | undefined;
    const started = withResolvers();
    const inbox = createInbox({
      store,
      clock,
      handlerTimeoutMs: 5_000,
      providers: { stripe: { secret: 'whsec_x' } },
      handlers: {
        stripe: {
          'invoice.paid': async (_event, context) => {
            signal = context.signal;
            const pause = clock.sleep(4_000);
            started.resolve();
            await pause;
          },
        },
      },
    });
    await store.insert(newEvent('evt_quick'));
    const run = inbox.runOnce();
    await started.promise;
    await clock.advance(4_000);
    await run;
    expect((await store.get('stripe:evt_quick'))?.status).toBe('done');
    expect(clock.pending).toBe(0); // neither the timeout nor the heartbeat still sleeps
    await clock.advance(10_000);
    expect(signal?.aborted).toBe(false);
  });

  it('refuses a limit that is not a positive whole number', () => {
    for (const handlerTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        createInbox({ store: memoryInboxStore(), providers: {}, handlers: {}, handlerTimeoutMs }),
      ).toThrow(/handlerTimeoutMs must be a whole number/);
    }
  });
});
