import { BraceError } from '@brace/core';

/**
 * An option of the simulator is out of range. `code` is `SIMULATOR_BAD_OPTION`; the message
 * names the option and the accepted range.
 *
 * @example
 * ```ts
 * import { createOAuthServer, SimulatorOptionsError } from '@brace/simulator/oauth';
 *
 * try {
 *   createOAuthServer({ accessTokenTtlSec: -1 });
 * } catch (error) {
 *   if (error instanceof SimulatorOptionsError) console.log(error.code); // 'SIMULATOR_BAD_OPTION'
 * }
 * ```
 */
export class SimulatorOptionsError extends BraceError {
  /** @param message - names the option and the accepted range */
  constructor(message: string) {
    super('SIMULATOR_BAD_OPTION', message);
  }
}

/**
 * A ledger assertion failed (`noDuplicates()`, `neverOverLimit()`, `noExpiredTokens()`).
 * `code` is `SIMULATOR_ASSERTION_FAILED`; the message is a readable summary of what the
 * provider saw, and `details` lists the offending entries.
 *
 * @example
 * ```ts
 * import { SimulatorAssertionError } from '@brace/simulator';
 *
 * const error = new SimulatorAssertionError('2 duplicates', ['POST /charges key=a']);
 * error.details; // ['POST /charges key=a']
 * ```
 */
export class SimulatorAssertionError extends BraceError {
  /** The offending entries, one line each. */
  readonly details: readonly string[];

  /**
   * @param summary - one line: what was expected and what happened
   * @param details - the offending entries, one line each
   */
  constructor(summary: string, details: readonly string[]) {
    const shown = details.slice(0, 10).map((line) => `  - ${line}`);
    const more = details.length > 10 ? [`  ... and ${details.length - 10} more`] : [];
    super('SIMULATOR_ASSERTION_FAILED', [summary, ...shown, ...more].join('\n'));
    this.details = details;
  }
}
