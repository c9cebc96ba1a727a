import { manualClock } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { MAX_ROUTE_KEYS, MAX_SECONDS, OTHER_ROUTES, ProviderLedger } from './ledger.js';
import { createProvider } from './provider.js';

describe('ledger seconds', () => {
  it('keeps at most MAX_SECONDS per-second records when the clock jumps days ahead', async () => {
    const clock = manualClock({ now: 0 });
    const p = await createProvider({ clock, rateLimit: false });
    try {
      await fetch(`${p.url}/x`);
      await clock.advance(2 * 86_400_000);
      await fetch(`${p.url}/x`);
      expect(p.ledger.seconds.length).toBeLessThanOrEqual(MAX_SECONDS);
      expect(p.ledger.firstSecond).toBe(2 * 86_400 - MAX_SECONDS + 1);
      expect(p.ledger.seconds.at(-1)?.requests).toBe(1);
      expect(p.ledger.seconds.reduce((n, s) => n + s.requests, 0)).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('forgets the oldest second one at a time and ignores seconds already forgotten', () => {
    const ledger = new ProviderLedger(0);
    for (let s = 0; s <= MAX_SECONDS; s++) ledger.arrival(s * 1000, 'GET /x', false, true);
    expect(ledger.seconds.length).toBe(MAX_SECONDS);
    expect(ledger.firstSecond).toBe(1);
    expect(ledger.seconds[0]?.requests).toBe(1);
    ledger.fault(0, 'error'); // second 0 was forgotten: counted in the totals only
    expect(ledger.faults.error).toBe(1);
    expect(ledger.seconds.reduce((n, s) => n + s.errors, 0)).toBe(0);
    expect(ledger.requests).toBe(MAX_SECONDS + 1);
  });
});

describe('ledger routes', () => {
  it('counts at most MAX_ROUTE_KEYS distinct routes, the rest under OTHER_ROUTES', () => {
    const ledger = new ProviderLedger(0);
    for (let i = 0; i < MAX_ROUTE_KEYS + 50; i++) ledger.arrival(0, `GET /users/${i}`, false, true);
    ledger.arrival(0, 'GET /users/0', false, true);
    expect(Object.keys(ledger.routes)).toHaveLength(MAX_ROUTE_KEYS + 1);
    expect(ledger.routes[OTHER_ROUTES]).toBe(50);
    expect(ledger.routes['GET /users/0']).toBe(2);
    expect(ledger.requests).toBe(MAX_ROUTE_KEYS + 51);
  });

  it('keeps secrets of the duplicated fields out of the assertion message', async () => {
    const p = await createProvider({ rateLimit: false });
    try {
      const hook = { config: { url: 'https://a.example/h', secret: 'whsec_live_1' } };
      for (let i = 0; i < 2; i++) {
        await fetch(`${p.url}/repos/o/r/hooks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(hook),
        });
      }
      expect(p.ledger.duplicates).toBe(1);
      let message = '';
      try {
        p.assert.noDuplicates();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('hoo_000002 repeats hoo_000001');
      expect(message).not.toContain('whsec_live_1');
    } finally {
      await p.close();
    }
  });

  it('names the first resource of an identity in every duplicate line', () => {
    const ledger = new ProviderLedger(0);
    for (const id of ['a_1', 'a_2', 'a_3']) ledger.createdResource('/a', id, '{"x":1}');
    expect(ledger.duplicates).toBe(2);
    expect(ledger.duplicateLines).toEqual([
      '/a: a_2 repeats a_1 (identity {"x":1})',
      '/a: a_3 repeats a_1 (identity {"x":1})',
    ]);
  });
});
