import { BackoffOptionError } from './errors.js';
import { checkOptionNames } from './option-names.js';
import { MAX_DELAY_MS, numberOption } from './validate.js';

const EXPONENTIAL_OPTIONS = new Set(['base', 'factor', 'cap', 'jitter']);
const LINEAR_OPTIONS = new Set(['base', 'step', 'cap']);
const STRATEGY_HINTS = Object.freeze({
  minTimeout: '`base`',
  maxTimeout: '`cap`',
  initialDelay: '`base`',
  maxDelay: '`cap`',
  randomize: '`jitter`',
  exponent: '`factor`',
});

/**
 * What a {@link Strategy} gets besides the attempt number.
 */
export interface StrategyContext {
  /** The delay this strategy returned for the previous retry, or 0 before the first. */
  previous: number;
  /** A uniform random number in [0, 1), injected so tests are deterministic. */
  random: () => number;
}

/**
 * A backoff strategy: a pure function from the retry number (1 for the wait before the
 * first retry) to a delay in ms. Any function of this shape works with `retry()`.
 *
 * @example
 * ```ts
 * import type { Strategy } from '@brace/backoff';
 *
 * const fibonacci: Strategy = (attempt) => Math.min(10_000, 100 * fib(attempt));
 * ```
 */
export type Strategy = (attempt: number, context: StrategyContext) => number;

/** Jitter kinds of {@link exponential}, as in Brooker's "Exponential Backoff and Jitter". */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /** The first delay before jitter, in ms. Default {@link DEFAULT_BASE_MS}. */
  base?: number;
  /** Growth per retry (≥ 1). Default {@link DEFAULT_FACTOR}. */
  factor?: number;
  /** The largest delay, in ms. Default {@link DEFAULT_CAP_MS}. */
  cap?: number;
  /** How to randomise. Default {@link DEFAULT_JITTER} (`'full'`). */
  jitter?: Jitter;
}

/** Options of {@link linear}. */
export interface LinearOptions {
  /** The first delay, in ms. Default {@link DEFAULT_BASE_MS}. */
  base?: number;
  /** Added per retry, in ms. Default {@link DEFAULT_BASE_MS}. */
  step?: number;
  /** The largest delay, in ms. Default {@link DEFAULT_CAP_MS}. */
  cap?: number;
}

/**
 * Default first delay of {@link exponential} and {@link linear}: 100 ms (as the AWS SDKs).
 *
 * @example
 * ```ts
 * import { DEFAULT_BASE_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_BASE_MS);
 * ```
 */
export const DEFAULT_BASE_MS = 100;
/**
 * Default growth factor of {@link exponential}: 2.
 *
 * @example
 * ```ts
 * import { DEFAULT_FACTOR } from '@brace/backoff';
 *
 * console.log(DEFAULT_FACTOR);
 * ```
 */
export const DEFAULT_FACTOR = 2;
/**
 * Default largest delay: 20 s (as the AWS SDKs' standard strategy).
 *
 * @example
 * ```ts
 * import { DEFAULT_CAP_MS } from '@brace/backoff';
 *
 * console.log(DEFAULT_CAP_MS);
 * ```
 */
export const DEFAULT_CAP_MS = 20_000;
/**
 * Default jitter of {@link exponential}: full jitter, `U(0, min(cap, base·factor^n))`.
 *
 * @example
 * ```ts
 * import { DEFAULT_JITTER } from '@brace/backoff';
 *
 * console.log(DEFAULT_JITTER);
 * ```
 */
export const DEFAULT_JITTER: Jitter = 'full';

const JITTERS: readonly Jitter[] = ['full', 'equal', 'decorrelated', 'none'];

/** Turns any number into a usable retry index ≥ 0 (NaN and negatives → 0). */
function retryIndex(attempt: number): number {
  return attempt >= 1 ? Math.floor(attempt) - 1 : 0;
}

/** Guards against a misbehaving `random` (NaN, ≥ 1, < 0). */
function unit(random: () => number): number {
  const r = random();
  return r >= 0 && r < 1 ? r : r >= 1 ? 1 : 0;
}

/**
 * Exponential backoff with jitter: `exp = min(cap, base · factor^(attempt − 1))`, then
 * `'full'` → `U(0, exp)`, `'equal'` → `exp/2 + U(0, exp/2)`, `'none'` → `exp`, and
 * `'decorrelated'` → `min(cap, U(base, 3 · previous))`. The exponent is clamped before
 * `Math.pow`, so attempt 10,000 (or `Infinity`) is as well-behaved as attempt 3: never
 * `NaN`, `Infinity`, negative or above `cap`.
 *
 * @example
 * ```ts
 * import { exponential, retry } from '@brace/backoff';
 *
 * await retry(callApi, { strategy: exponential({ base: 200, cap: 10_000, jitter: 'equal' }) });
 * ```
 */
export function exponential(options: ExponentialOptions = {}): Strategy {
  checkOptionNames(options, EXPONENTIAL_OPTIONS, STRATEGY_HINTS);
  const base = numberOption('base', options.base, DEFAULT_BASE_MS, 0, MAX_DELAY_MS);
  const factor = numberOption('factor', options.factor, DEFAULT_FACTOR, 1, 1_000);
  const cap = numberOption('cap', options.cap, Math.max(DEFAULT_CAP_MS, base), base, MAX_DELAY_MS);
  const jitter = options.jitter ?? DEFAULT_JITTER;
  if (!JITTERS.includes(jitter)) {
    throw new BackoffOptionError('jitter', `one of ${JITTERS.map((j) => `'${j}'`).join(', ')}`);
  }
  // The largest exponent that can still matter: beyond it base·factor^n ≥ cap.
  const maxExponent =
    factor === 1 || base === 0
      ? 0
      : Math.max(0, Math.ceil(Math.log(cap / base) / Math.log(factor)));
  const ceiling = (attempt: number): number =>
    Math.min(cap, base * factor ** Math.min(retryIndex(attempt), maxExponent));

  switch (jitter) {
    case 'none':
      return (attempt) => ceiling(attempt);
    case 'equal':
      return (attempt, { random }) => {
        const exp = ceiling(attempt);
        return Math.min(cap, exp / 2 + unit(random) * (exp / 2));
      };
    case 'decorrelated':
      return (_attempt, { previous, random }) => {
        const prev = previous >= base && previous <= cap ? previous : base;
        const upper = Math.min(cap, prev * 3);
        return Math.min(cap, base + unit(random) * (upper - base));
      };
    default:
      return (attempt, { random }) => Math.min(cap, unit(random) * ceiling(attempt));
  }
}

/**
 * The same delay before every retry.
 *
 * @example
 * ```ts
 * import { constant, retry } from '@brace/backoff';
 *
 * await retry(callApi, { strategy: constant(500), attempts: 5 });
 * ```
 */
export function constant(ms: number): Strategy {
  const delay = numberOption('ms', ms, 0, 0, MAX_DELAY_MS);
  return () => delay;
}

/**
 * A delay growing by `step` per retry: `min(cap, base + step · (attempt − 1))`.
 *
 * @example
 * ```ts
 * import { linear, retry } from '@brace/backoff';
 *
 * await retry(callApi, { strategy: linear({ base: 100, step: 250, cap: 2_000 }) });
 * ```
 */
export function linear(options: LinearOptions = {}): Strategy {
  checkOptionNames(options, LINEAR_OPTIONS, STRATEGY_HINTS);
  const base = numberOption('base', options.base, DEFAULT_BASE_MS, 0, MAX_DELAY_MS);
  const step = numberOption('step', options.step, DEFAULT_BASE_MS, 0, MAX_DELAY_MS);
  const cap = numberOption('cap', options.cap, Math.max(DEFAULT_CAP_MS, base), base, MAX_DELAY_MS);
  const maxIndex = step === 0 ? 0 : Math.ceil((cap - base) / step);
  return (attempt) => Math.min(cap, base + step * Math.min(retryIndex(attempt), maxIndex));
}

/**
 * The default strategy of `retry()`: `exponential()` with full jitter.
 *
 * @example
 * ```ts
 * import { defaultStrategy } from '@brace/backoff';
 *
 * console.log(defaultStrategy);
 * ```
 */
export const defaultStrategy: Strategy = exponential();

/** Runs a strategy and makes its output safe to sleep on: finite, ≥ 0, ≤ {@link MAX_DELAY_MS}. */
export function safeDelay(value: number): number {
  return value >= 0 ? Math.min(value, MAX_DELAY_MS) : 0;
}
