import { describe, expect, it } from 'vitest';
import { createInbox } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import {
  clockAt,
  failing,
  STRIPE_SECRET,
  stripeEvent,
  stripeRequest,
} from './test-utils/fixtures.js';

describe('reconcile', () => {
  it('recovers every event the provider lists but never delivered (5% missed), through the same dedupe', async () => {
    const clock = clockAt();
    const reports: unknown[] = [];
    const inbox = createInbox({
      store: memoryInboxStore(),
      clock,
      providers: { stripe: { secret: STRIPE_SECRET, now: () => clock.now() } },
      handlers: {},
      onReconciled: (event) => reports.push(event),
    });
    const all = Array.from({ length: 200 }, (_, i) => `evt_${i}`);
    const missed = new Set(all.filter((_, i) => i % 20 === 7)); // 5%
    for (const id of all) {
      if (!missed.has(id)) await inbox.receive('stripe', await stripeRequest(stripeEvent(id)));
    }
    const listed = all.map((id) => ({
      id,
      type: 'invoice.paid',
      payload: JSON.parse(stripeEvent(id)) as unknown,
      occurredAt: 1,
    }));
    const result = await inbox.reconcile({
      provider: 'stripe',
      since: 0,
      poll: async (since) => (since === 0 ? listed : []),
    });
    expect(result).toEqual({ listed: 200, recovered: 10, failed: 0 });
    expect(reports).toEqual([{ provider: 'stripe', listed: 200, recovered: 10 }]);
    const stored = await inbox.store.list({ provider: 'stripe' });
    expect(stored).toHaveLength(200);
    expect(
      stored
        .filter((e) => e.source === 'reconcile')
        .map((e) => e.eventId)
        .sort(),
    ).toEqual([...missed].sort());
    expect(await inbox.reconcile({ provider: 'stripe', since: 0, poll: () => listed })).toEqual({
      listed: 200,
      recovered: 0,
      failed: 0,
    });
  });

  it('counts events it could not store, so the pass can run again', async () => {
    const inbox = createInbox({
      store: failing(memoryInboxStore(), new Set(['insert'])),
      providers: { stripe: { secret: 's' } },
      handlers: {},
    });
    const result = await inbox.reconcile({
      provider: 'stripe',
      since: 0,
      poll: () => [{ id: 'e', type: 't', payload: '{}', resourceKey: 'r' }],
    });
    expect(result).toEqual({ listed: 1, recovered: 0, failed: 1 });
  });
});
