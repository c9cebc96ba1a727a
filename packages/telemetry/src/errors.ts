import { BraceError } from '@brace/core';

/**
 * Thrown at construction when an option is missing or out of range; the message names the
 * option and the accepted values. Code `TELEMETRY_INVALID_OPTION`.
 *
 * @example
 * ```ts
 * import { createTelemetry, TelemetryOptionError } from '@brace/telemetry';
 *
 * try {
 *   createTelemetry({ integration: '' });
 * } catch (error) {
 *   if (error instanceof TelemetryOptionError) console.error(error.option); // 'integration'
 * }
 * ```
 */
export class TelemetryOptionError extends BraceError {
  /** The option at fault. */
  readonly option: string;

  /**
   * @param option - the option's name
   * @param expected - what it accepts
   */
  constructor(option: string, expected: string) {
    super(
      'TELEMETRY_INVALID_OPTION',
      `Invalid telemetry option \`${option}\`: expected ${expected}.`,
    );
    this.option = option;
  }
}
