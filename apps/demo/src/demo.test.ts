import { describe, expect, it } from 'vitest';

import { jsonResult } from './results.js';

// Imported dynamically, after vitest's `#crypto` alias (vitest.shared.ts) is in place.
const { runDemo } = await import('./demo.js');

const FIELDS = [
  'requested',
  'created',
  'duplicates',
  'lost',
  'overLimit',
  'rateLimited',
  'retries',
  'wallMs',
  'problems',
  'drifts',
];

describe.each(['memory', 'sqlite'] as const)('runDemo, %s store (200 links at 200/s)', (store) => {
  it('Brace holds the invariants by the ledger; the naive client does not', {
    timeout: 60_000,
  }, async () => {
    const result = await runDemo({ links: 200, rate: 200, seed: 42, store, quiet: true });
    const { naive, brace, webhooks } = result;

    expect(result.ok).toBe(true);
    expect(result.webhookMismatches).toEqual([]);
    expect(brace).toMatchObject({
      requested: 200,
      created: 200,
      duplicates: 0,
      lost: 0,
      overLimit: 0,
    });
    expect(brace.rateLimited).toBe(0);
    // Faults were injected, and Brace retried through them with its stable keys.
    expect(result.detail.brace.unavailable + result.detail.brace.dropped).toBeGreaterThan(0);
    expect(brace.retries).toBeGreaterThan(0);
    expect(result.detail.brace.replayed).toBeGreaterThan(0);
    expect(brace.problems).toEqual({});
    // The schema drifted mid-run and the guard said so.
    expect(brace.drifts).toBeGreaterThanOrEqual(1);
    expect(naive.drifts).toBe(0);

    // The naive client hammered the limit and lost links (given the seed).
    expect(naive.overLimit).toBeGreaterThan(0);
    expect(naive.rateLimited).toBeGreaterThan(0);
    expect(naive.lost).toBeGreaterThan(0);
    expect(naive.created + naive.lost).toBe(200);
    expect(naive.problems['HTTPError 429']).toBe(naive.rateLimited);

    // Webhooks, both runs: each mixed-in kind landed where it should.
    const sent = [result.detail.naive.deliveries, result.detail.brace.deliveries];
    const total = (k: 'genuine' | 'duplicate' | 'forged' | 'stale') =>
      sent.reduce((n, d) => n + d[k], 0);
    expect(webhooks.received).toBe(
      total('genuine') + total('duplicate') + total('forged') + total('stale'),
    );
    expect(webhooks.processed).toBe(total('genuine'));
    expect(webhooks.duplicatesSkipped).toBe(total('duplicate'));
    expect(webhooks.rejectedByReason).toEqual({
      NO_MATCHING_SIGNATURE: total('forged'),
      TIMESTAMP_TOO_OLD: total('stale'),
    });
    expect(webhooks.verified).toBe(webhooks.processed + webhooks.duplicatesSkipped);
    expect(webhooks.rejected).toBe(total('forged') + total('stale'));
    // Every created link was announced exactly once.
    expect(total('genuine')).toBe(naive.created + naive.duplicates + brace.created);

    const json = JSON.parse(JSON.stringify(jsonResult(result)));
    expect(Object.keys(json)).toEqual(['naive', 'brace', 'webhooks']);
    expect(Object.keys(json.brace)).toEqual(FIELDS);
    expect(Object.keys(json.naive)).toEqual(FIELDS);
    expect(Object.keys(json.webhooks).sort()).toEqual([
      'duplicatesSkipped',
      'processed',
      'received',
      'rejected',
      'rejectedByReason',
      'verified',
    ]);
  });
});
