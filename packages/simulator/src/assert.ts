import { SimulatorAssertionError } from './errors.js';
import type { ProviderLedger } from './ledger.js';

/**
 * Ledger assertions: each throws a {@link SimulatorAssertionError} whose message is a readable
 * summary, or returns quietly.
 *
 * @example
 * ```ts
 * import { createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({ seed: 1 });
 * // … run the code under test against provider.url …
 * provider.assert.noDuplicates();
 * provider.assert.neverOverLimit();
 * await provider.close();
 * ```
 */
export interface Assertions {
  /** No resource was created twice (same identity). */
  noDuplicates(): void;
  /** No request arrived while the rolling window already held the limit. */
  neverOverLimit(): void;
  /** No request carried an expired access token. */
  noExpiredTokens(): void;
}

/**
 * The assertions over a ledger (what `provider.assert` is).
 *
 * @param ledger - a provider's ledger
 * @returns `noDuplicates()`, `neverOverLimit()`, `noExpiredTokens()`
 *
 * @example
 * ```ts
 * import { createAssertions, createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({ seed: 1 });
 * createAssertions(provider.ledger).noDuplicates();
 * await provider.close();
 * ```
 */
export function createAssertions(ledger: ProviderLedger): Assertions {
  const seenOf = (l: ProviderLedger) => `${l.requests} request${l.requests === 1 ? '' : 's'} seen`;
  return {
    noDuplicates() {
      if (ledger.duplicates === 0) return;
      throw new SimulatorAssertionError(
        `Expected no duplicates, but ${ledger.duplicates} of ${ledger.created} created resources repeat an earlier one (${ledger.retries} retried writes, ${ledger.replayed} idempotent replays; ${seenOf(ledger)}):`,
        ledger.duplicateLines,
      );
    },
    neverOverLimit() {
      if (ledger.overLimit === 0) return;
      throw new SimulatorAssertionError(
        `Expected the client to stay within the rate limit, but ${ledger.overLimit} requests arrived over it (${ledger.rateLimited} refused; ${seenOf(ledger)}):`,
        ledger.overLimitLines,
      );
    },
    noExpiredTokens() {
      if (ledger.expiredTokens === 0) return;
      throw new SimulatorAssertionError(
        `Expected no request with an expired access token, but ${ledger.expiredTokens} came (${ledger.oauth?.refreshes ?? 0} refreshes; ${seenOf(ledger)}):`,
        ledger.expiredTokenLines,
      );
    },
  };
}
