import { BraceError } from '@brace/core';

/**
 * An option of `defineIntegration` or `createFetch` is missing or out of range. Thrown at
 * construction, naming the option and what it accepts; never carries the option's value.
 *
 * @example
 * ```ts
 * import { ClientOptionError, defineIntegration } from '@brace/client';
 *
 * try {
 *   defineIntegration({ name: '', baseUrl: 'https://api.example.com/' });
 * } catch (error) {
 *   if (error instanceof ClientOptionError) console.log(error.option); // 'name'
 * }
 * ```
 */
export class ClientOptionError extends BraceError {
  /** The option at fault. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - what the option accepts
   */
  constructor(option: string, expected: string) {
    super('CLIENT_OPTION_INVALID', `Invalid option \`${option}\`: expected ${expected}.`);
    this.option = option;
  }
}
