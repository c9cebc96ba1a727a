import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProvider } from './provider.js';
import { fixedClock, outcome } from './test-utils.fixture.js';

/** A fixed client: creates, reads, lists, retries, with the clock moving between requests. */
async function run(seed: number): Promise<string> {
  const clock = fixedClock();
  const provider = await createProvider({
    seed,
    clock,
    preset: 'stripe',
    rateLimit: { limit: 6, windowMs: 1000 },
    faults: { error: 0.15, rateLimit: 0.05, drop: 0.05, truncate: 0.05 },
    oauth: { refreshTokenOnClientCredentials: true },
    drift: [{ after: 12, rename: { amount: 'amount_cents' } }],
  });
  const lines: string[] = [];
  try {
    let access: string | undefined;
    for (let attempt = 0; access === undefined && attempt < 10; attempt++) {
      const token = await outcome(`${provider.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa('sim-client:sim-secret')}`,
        },
        body: 'grant_type=client_credentials',
      });
      lines.push(token);
      access = /"access_token":"([^"]+)"/.exec(token)?.[1];
    }
    const auth = { authorization: `Bearer ${access}` };
    for (let i = 0; i < 20; i++) {
      await clock.advance(250);
      const body = `amount=${100 + (i % 5)}`;
      lines.push(
        await outcome(`${provider.url}/v1/charges`, {
          method: 'POST',
          headers: {
            ...auth,
            'content-type': 'application/x-www-form-urlencoded',
            'idempotency-key': `k${i % 5}`,
          },
          body,
        }),
      );
      lines.push(await outcome(`${provider.url}/v1/charges`, { headers: auth }));
    }
  } finally {
    await provider.close();
  }
  lines.push(JSON.stringify(provider.ledger.transcript));
  return lines.join('\n---\n');
}

describe('determinism', () => {
  it('the same seed gives a byte-identical transcript on each of 100 runs; another seed differs', async () => {
    const first = await run(7);
    // The transcript covers faults, 429s, OAuth and drift, so the comparison is not vacuous.
    expect(first).toContain('\n429\n');
    expect(first).toContain('\n503\n');
    expect(first).toContain('\n201\n');
    expect(first).toContain('idempotent-replayed: true');
    expect(first).toContain('error TypeError');
    expect(first).toContain('amount_cents');
    const digest = createHash('sha256').update(first).digest('hex');
    for (let i = 1; i < 100; i++) {
      expect(
        createHash('sha256')
          .update(await run(7))
          .digest('hex'),
      ).toBe(digest);
    }
    expect(
      createHash('sha256')
        .update(await run(8))
        .digest('hex'),
    ).not.toBe(digest);
  }, 60_000);
});
