import { describe, expect, it } from 'vitest';

import { CONCURRENCY } from './campaign.js';
import { READ_SAMPLE } from './reads.js';
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
  'expiredTokenRequests',
  'tokensObtained',
  'staleAnswers',
  'outageFailures',
  'deadLetters',
  'replayed',
  'p95Ms',
  'errorRate',
  'health',
];

// The provider's limit (8/s) is half the campaign's concurrency (16 requests in flight from the
// start): the naive client goes over it on any machine, however slow, because it sends 16 at once
// and calls again at once on every 429. (At 200/s, a loaded machine's naive client could stay
// under the limit and fail the test.) A failure rate of 0.3 makes the seeded faults land on a few
// of the 40 links; the Brace column is the same on every run with this seed.
const RUN = { links: 40, rate: 8, failureRate: 0.3, seed: 42, quiet: true } as const;

// One full run on the default store (SQLite via node:sqlite); the memory store runs in the CLI
// and report tests.
describe.each(['sqlite'] as const)('runDemo, %s store (40 links at 8/s)', (store) => {
  it('Brace holds the invariants by the ledger; the naive client does not', {
    timeout: 90_000,
  }, async () => {
    expect(RUN.rate).toBeLessThan(CONCURRENCY);
    const result = await runDemo({ ...RUN, store });
    const { naive, brace, webhooks } = result;

    expect(result.ok).toBe(true);
    expect(result.webhookMismatches).toEqual([]);
    expect(brace).toMatchObject({
      requested: RUN.links,
      created: RUN.links,
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

    // The naive client hammered the limit and lost links.
    expect(naive.overLimit).toBeGreaterThan(0);
    expect(naive.rateLimited).toBeGreaterThan(0);
    expect(naive.lost).toBeGreaterThan(0);
    expect(naive.created + naive.lost).toBe(RUN.links);
    // Every 429 the provider sent on a POST reached the app as an HTTPError 429, unless it came
    // after the client's 2 s timeout (a loaded machine), where the app saw a TimeoutError instead.
    const seen429 = naive.problems['HTTPError 429'] ?? 0;
    expect(seen429).toBeGreaterThan(0);
    expect(seen429).toBeLessThanOrEqual(naive.rateLimited);
    // 429s on its reads (ky retries GETs) and its token request never reach a POST's error count.
    const otherRequests = Object.entries(result.detail.naive.routes)
      .filter(([route]) => route !== 'POST /links')
      .reduce((n, [, count]) => n + count, 0);
    expect(result.detail.naive.routes['POST /links']).toBeGreaterThan(0);
    expect(seen429 + (naive.problems.TimeoutError ?? 0) + otherRequests).toBeGreaterThanOrEqual(
      naive.rateLimited,
    );

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

    // The token expired mid-run: the naive app kept sending it, Brace refreshed once and sent none.
    expect(naive.expiredTokenRequests).toBeGreaterThan(0);
    expect(naive.problems['HTTPError 401']).toBeGreaterThan(0);
    expect(naive.tokensObtained).toBe(1);
    expect(brace.expiredTokenRequests).toBe(0);
    expect(brace.tokensObtained).toBe(2);

    // The outage: every read Brace made while the provider was down was answered stale from its
    // cache; every one the naive client made failed. The provider did answer 503s meanwhile.
    const braceReads = result.detail.brace.reads;
    expect(braceReads.readsFailed).toBe(0);
    expect(braceReads.outageReads).toBe(Math.min(READ_SAMPLE, Math.ceil(RUN.links / 2)));
    expect(brace.staleAnswers).toBe(braceReads.outageReads);
    expect(brace.outageFailures).toBe(0);
    expect(result.detail.brace.outageAnswers).toBeGreaterThan(0);
    const naiveReads = result.detail.naive.reads;
    expect(naiveReads.outageReads).toBeGreaterThan(0);
    expect(naive.staleAnswers).toBe(0);
    expect(naive.outageFailures).toBe(naiveReads.outageReads);
    expect(result.detail.naive.outageAnswers).toBeGreaterThan(0);

    // The inbox: the poison event dead-lettered once per run, and was replayed once fixed.
    expect(brace.deadLetters).toBe(1);
    expect(brace.replayed).toBe(1);
    expect(naive.deadLetters).toBe(1);
    expect(naive.replayed).toBe(1);
    expect(webhooks.deadLettered).toBe(2);
    expect(webhooks.replayed).toBe(2);

    // Telemetry: Brace's calls all succeeded; a good share of the naive app's failed.
    expect(brace.errorRate).toBe(0);
    expect(naive.errorRate).toBeGreaterThan(0.2);
    expect(brace.p95Ms).toBeGreaterThan(0);
    expect(naive.p95Ms).toBeGreaterThan(0);
    expect(['ok', 'degraded']).toContain(brace.health);
    expect(['ok', 'degraded', 'down']).toContain(naive.health);

    const json = JSON.parse(JSON.stringify(jsonResult(result)));
    expect(Object.keys(json)).toEqual(['naive', 'brace', 'webhooks']);
    expect(Object.keys(json.brace)).toEqual(FIELDS);
    expect(Object.keys(json.naive)).toEqual(FIELDS);
    expect(Object.keys(json.webhooks).sort()).toEqual([
      'deadLettered',
      'duplicatesSkipped',
      'processed',
      'received',
      'rejected',
      'rejectedByReason',
      'replayed',
      'verified',
    ]);
  });
});
