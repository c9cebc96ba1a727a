import { BackoffOptionError } from './errors.js';

/**
 * The longest wait a timer can hold (2^31 - 1 ms, about 24.8 days).
 *
 * @example
 * ```ts
 * import { MAX_DELAY_MS } from '@brace/backoff';
 *
 * console.log(MAX_DELAY_MS);
 * ```
 */
export const MAX_DELAY_MS = 2_147_483_647;

/** Checks an optional number option; returns it, or `fallback` when undefined. */
export function numberOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new BackoffOptionError(
      name,
      `${integer ? 'an integer' : 'a number'} from ${min} to ${max === Number.POSITIVE_INFINITY ? 'Infinity' : max}`,
    );
  }
  return value;
}

/** Checks an optional function option. */
export function functionOption<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new BackoffOptionError(name, 'a function');
  }
  return value;
}

/** Calls an event callback; a throw or a rejected promise never reaches the caller. */
export function emit<E>(callback: ((event: E) => unknown) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    const result = callback(event) as { then?: unknown } | undefined;
    if (result && typeof result.then === 'function') {
      (result as Promise<unknown>).then(undefined, ignore);
    }
  } catch {
    // A throwing callback never breaks the call.
  }
}

function ignore(): void {}
