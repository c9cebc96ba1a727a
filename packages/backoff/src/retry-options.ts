import { type Clock, systemClock } from '@brace/core';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRY_AFTER_JITTER,
} from './retry.js';
import { defaultStrategy, type Strategy } from './strategies.js';
import { functionOption, MAX_DELAY_MS, numberOption } from './validate.js';

/** The header whose presence makes a POST or PATCH retryable, unless `idempotencyHeader` says another. */
export const DEFAULT_KEY_HEADER = 'idempotency-key';

/** The retry options an HTTP-client adapter (ky, axios) shares; `E` is what its `shouldRetry` gets. */
export interface AdapterRetryOptions<E> {
  attempts?: number;
  strategy?: Strategy;
  shouldRetry?: (error: E, attempt: number) => boolean | Promise<boolean>;
  retryOnTimeout?: boolean;
  maxRetryAfter?: number;
  retryAfterJitter?: number;
  retryConflictWithKey?: boolean;
  idempotencyHeader?: string;
  clock?: Clock;
  random?: () => number;
}

/** {@link AdapterRetryOptions} checked, with every default applied. */
export interface ResolvedRetryOptions<E> {
  /** Total attempts including the first (1–100). */
  attempts: number;
  strategy: Strategy;
  /** The caller's own decision, when given (else the adapter's classification applies). */
  shouldRetry: ((error: E, attempt: number) => boolean | Promise<boolean>) | undefined;
  retryOnTimeout: boolean;
  /** Longest server-requested wait honoured, in ms. */
  maxRetryAfter: number;
  /** Share of a server-requested wait added at random (0–1). */
  retryAfterJitter: number;
  /** Retry 409 when the request carries the idempotency header. */
  retryConflict: boolean;
  /** The idempotency header, lower-cased. */
  idempotencyHeader: string;
  clock: Clock;
  random: () => number;
}

/**
 * Internal: checks an adapter's retry options (throwing `BackoffOptionError` for the first bad
 * one, in declaration order) and applies the defaults. Framework-free: the ky and axios adapters
 * both resolve their options here and differ only in how they read requests and errors.
 */
export function resolveRetryOptions<E>(options: AdapterRetryOptions<E>): ResolvedRetryOptions<E> {
  return {
    attempts: numberOption('attempts', options.attempts, DEFAULT_ATTEMPTS, 1, 100, true),
    strategy: functionOption('strategy', options.strategy) ?? defaultStrategy,
    shouldRetry: functionOption('shouldRetry', options.shouldRetry),
    maxRetryAfter: numberOption(
      'maxRetryAfter',
      options.maxRetryAfter,
      DEFAULT_MAX_RETRY_AFTER_MS,
      0,
      MAX_DELAY_MS,
    ),
    retryAfterJitter: numberOption(
      'retryAfterJitter',
      options.retryAfterJitter,
      DEFAULT_RETRY_AFTER_JITTER,
      0,
      1,
    ),
    random: functionOption('random', options.random) ?? Math.random,
    clock: options.clock ?? systemClock,
    retryOnTimeout: options.retryOnTimeout === true,
    retryConflict: options.retryConflictWithKey !== false,
    idempotencyHeader: (options.idempotencyHeader ?? DEFAULT_KEY_HEADER).toLowerCase(),
  };
}
