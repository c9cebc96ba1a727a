import { RateLimitOptionsError } from './errors.js';
import { type RateLimitPolicy, validatePolicies } from './store.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PARTITION,
  type RateLimiterOptions,
} from './types.js';

/** @internal An integer option >= min, or Infinity. */
function limitOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  const v = value ?? fallback;
  if (
    typeof v !== 'number' ||
    Number.isNaN(v) ||
    v < min ||
    (Number.isFinite(v) && !Number.isInteger(v))
  ) {
    throw new RateLimitOptionsError(name, `an integer >= ${min} or Infinity`);
  }
  return v;
}

/** @internal Validates the limiter's options, throwing `RateLimitOptionsError` naming the bad one. */
export function validateOptions(options: RateLimiterOptions): {
  policies: readonly RateLimitPolicy[];
  cap: number;
  maxQueue: number;
  maxWaitMs: number;
} {
  const policies = validatePolicies(options.policies ?? []);
  const cap = limitOption('concurrency', options.concurrency, DEFAULT_CONCURRENCY, 1);
  const maxQueue = limitOption('maxQueue', options.maxQueue, DEFAULT_MAX_QUEUE, 0);
  const maxWait = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  if (typeof maxWait !== 'number' || !(maxWait >= 0)) {
    throw new RateLimitOptionsError('maxWaitMs', 'a number >= 0 or Infinity');
  }
  const maxPause = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
  if (typeof maxPause !== 'number' || !(maxPause > 0)) {
    throw new RateLimitOptionsError('maxPauseMs', 'a number > 0');
  }
  const partition = options.partition ?? DEFAULT_PARTITION;
  if (partition !== 'host' && partition !== 'pk' && typeof partition !== 'function') {
    throw new RateLimitOptionsError('partition', "'host', 'pk' or a function");
  }
  return { policies, cap, maxQueue, maxWaitMs: maxWait };
}
