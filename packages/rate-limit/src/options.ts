import { findUnknownOption } from '@brace/core';
import { RateLimitOptionsError, unknownOptionError } from './errors.js';
import { DEFAULT_PACING, DEFAULT_SAFETY_MARGIN_MS, DEFAULT_WINDOW_FROM } from './pacing.js';
import { type RateLimitPolicy, validatePolicies } from './store.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PARTITION,
  type RateLimiterOptions,
} from './types.js';

/** @internal The options `createRateLimiter` knows. */
export const LIMITER_OPTIONS: Set<string> = new Set([
  'policies',
  'concurrency',
  'maxQueue',
  'maxWaitMs',
  'store',
  'clock',
  'weight',
  'partition',
  'maxPauseMs',
  'onQueued',
  'onDispatch',
  'onThrottled',
  'onPause',
  'onRejected',
  'onError',
  'safetyMarginMs',
  'pacing',
  'windowFrom',
  'shopifyLeakPerSecond',
  'adaptive',
]);

const POLICY = '`policies: [{ limit, intervalMs }]`';
/** What bottleneck, p-queue, p-throttle and p-limit users pass, and what to use here. */
const HINTS: Readonly<Record<string, string>> = Object.freeze({
  maxConcurrent: '`concurrency` (bottleneck `maxConcurrent`)',
  minTime:
    '`policies: [{ limit: 1, intervalMs: minTime }]` (one start per minTime ms; bottleneck `minTime`)',
  reservoir: `${POLICY} (a strict rolling window; bottleneck's reservoir refresh is a fixed window)`,
  reservoirRefreshAmount: `${POLICY} with limit = reservoirRefreshAmount`,
  reservoirRefreshInterval: `${POLICY} with intervalMs = reservoirRefreshInterval`,
  reservoirIncreaseAmount: `${POLICY} with \`burst\` (GCRA: a steady rate with a burst)`,
  highWater: '`maxQueue` (past it, tasks reject with RateLimitQueueFullError)',
  strategy:
    '`maxQueue` (new tasks reject with RateLimitQueueFullError; nothing is dropped silently)',
  datastore: '`store: redisStore({ client })` from @brace/rate-limit-redis',
  clientOptions:
    '`store: redisStore({ client })` from @brace/rate-limit-redis (bring your own client)',
  intervalCap: `${POLICY} with limit = intervalCap (p-queue)`,
  interval: `${POLICY} with intervalMs = interval`,
  limit: `${POLICY} (p-throttle / p-limit \`limit\`), or \`concurrency\` for p-limit`,
  strict: `nothing: ${POLICY} are strict rolling windows by default`,
  autoStart: '`limiter.pause()` before scheduling and `limiter.resume()`',
  timeout:
    'a per-task `signal: AbortSignal.timeout(ms)` (the task gets it), or `maxWaitMs` for the wait in the queue',
  throwOnTimeout: '`maxWaitMs` (rejects with RateLimitWaitTimeoutError)',
  carryoverConcurrencyCount: 'nothing (concurrency counts running tasks at all times)',
  queueClass: 'nothing (per-key round-robin with priorities is built in; see `weight`)',
});
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
  safetyMarginMs: number;
  pacing: 'smooth' | 'burst';
  windowFrom: 'settle' | 'start';
} {
  if (typeof options !== 'object' || options === null) {
    throw new RateLimitOptionsError('options', 'an object with `policies` and/or `concurrency`');
  }
  const unknown = findUnknownOption(options, LIMITER_OPTIONS, HINTS);
  if (unknown !== undefined) throw unknownOptionError(unknown.option, unknown.suggestion);
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
  if (policies.length === 0 && options.concurrency === undefined && !options.adaptive) {
    throw new RateLimitOptionsError(
      'policies',
      'given',
      'A rate limiter needs `policies`, `concurrency` or `adaptive`: without any it would limit nothing. ' +
        'Pass e.g. `policies: [{ limit: 10, intervalMs: 1000 }]` or `concurrency: 4` ' +
        '(`concurrency: Infinity` on purpose for a limiter that only follows server pauses).',
    );
  }
  const safetyMarginMs = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  if (
    typeof safetyMarginMs !== 'number' ||
    !(safetyMarginMs >= 0) ||
    !Number.isFinite(safetyMarginMs)
  ) {
    throw new RateLimitOptionsError('safetyMarginMs', 'a finite number >= 0');
  }
  const leak = options.shopifyLeakPerSecond;
  if (leak !== undefined && (typeof leak !== 'number' || !(leak > 0) || !Number.isFinite(leak))) {
    throw new RateLimitOptionsError('shopifyLeakPerSecond', 'a finite number > 0');
  }
  const pacing = options.pacing ?? DEFAULT_PACING;
  if (pacing !== 'smooth' && pacing !== 'burst') {
    throw new RateLimitOptionsError('pacing', "'smooth' or 'burst'");
  }
  const windowFrom = options.windowFrom ?? DEFAULT_WINDOW_FROM;
  if (windowFrom !== 'settle' && windowFrom !== 'start') {
    throw new RateLimitOptionsError('windowFrom', "'settle' or 'start'");
  }
  return { policies, cap, maxQueue, maxWaitMs: maxWait, safetyMarginMs, pacing, windowFrom };
}
