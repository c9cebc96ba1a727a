import { describe, expect, it } from 'vitest';

// Imported dynamically, after vitest's `#crypto` alias (vitest.shared.ts) is in place.
const { runDemo } = await import('./demo.js');

// --workers 2 against the real Redis (tests' globalSetup finds it on 127.0.0.1:6379): each
// client runs in two child processes; Brace's two share one limit, one token and one cache there.
const RUN = { links: 24, rate: 20, failureRate: 0.2, seed: 7, quiet: true, workers: 2 } as const;

describe('runDemo --workers 2 --store redis', () => {
  it('two Brace processes hold the invariants together; the ledger shows both', {
    timeout: 120_000,
  }, async () => {
    const result = await runDemo({ ...RUN, store: 'redis' });
    const { naive, brace } = result;
    expect(result.detail.workers).toBe(2);
    expect(result.ok).toBe(true);
    expect(brace).toMatchObject({
      created: RUN.links,
      duplicates: 0,
      lost: 0,
      overLimit: 0,
      expiredTokenRequests: 0,
      outageFailures: 0,
      deadLetters: 1,
      replayed: 1,
    });
    expect(brace.staleAnswers).toBeGreaterThan(0);
    // One token for both processes at start-up (each validates its own) and one refresh per
    // process at most after the expiry: never one per request.
    expect(brace.tokensObtained).toBeGreaterThanOrEqual(2);
    expect(brace.tokensObtained).toBeLessThanOrEqual(4);
    // Each naive process fetched its own token and kept sending it after it expired (counted on
    // arrival, so also when the rate limit or a 503 refused the request before the token check).
    expect(naive.tokensObtained).toBe(2);
    expect(naive.expiredTokenRequests).toBeGreaterThan(0);
    expect(naive.outageFailures).toBeGreaterThan(0);
    expect(result.webhookMismatches).toEqual([]);
  });
});
