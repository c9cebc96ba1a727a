import type { Clock } from '@brace/core';
import {
  createRateLimiter,
  type ObserveResult,
  type PauseEvent,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitStore,
} from '@brace/rate-limit';
import type { Emitter } from './events.js';
import { DEFAULT_QUEUE_WAIT_MS } from './options.js';
import type { ProviderPreset } from './preset-types.js';

/**
 * @internal The integration's limiter: yours as given, or one built from the preset's documented
 * policies and your options (an attempt waits at most `DEFAULT_QUEUE_WAIT_MS` for its slot unless
 * you set `maxWaitMs`), whose throttles, pauses and paces are reported on the event stream.
 *
 * Everything the provider says about its limits is the limiter's to act on (`rateLimitFetch`
 * observes every answer): `Retry-After`, `remaining: 0`, the remaining spread over the time to the
 * reset, Shopify's bucket, and a bare 429 (1 s, doubling per 429 in a row to 60 s, reset by a
 * success). The client only reports what the limiter decided: `observe`'s answer names a
 * `server-pace` (which pauses nothing) and a `backoff` (which `onPause` calls `retry-after`).
 */
export function buildLimiter(
  option: false | RateLimiterOptions | RateLimiter | undefined,
  preset: ProviderPreset | undefined,
  store: RateLimitStore | undefined,
  clock: Clock,
  integration: string,
  emit: Emitter['emit'],
): RateLimiter | undefined {
  if (option === false) return undefined;
  if (typeof (option as RateLimiter | undefined)?.acquire === 'function')
    return option as RateLimiter;
  const own = option as RateLimiterOptions | undefined;
  const reportPause = (e: PauseEvent | ObserveResult) =>
    emit({
      type: 'pause',
      integration,
      key: e.key,
      durationMs: e.durationMs,
      reason: e.reason,
      ...('spacingMs' in e && e.spacingMs !== undefined ? { spacingMs: e.spacingMs } : {}),
    });
  // Pauses `observe` makes, held until its answer says what they were (the list is made only
  // when there is one: most answers pause nothing).
  let observing = false;
  let heard: PauseEvent[] | undefined;
  const limiter = createRateLimiter({
    policies: preset?.rateLimit.policies ?? [],
    // With no documented policy the limiter only follows what the provider says (headers,
    // Retry-After, bare 429s): @brace/rate-limit asks for that to be explicit.
    concurrency: preset?.rateLimit.concurrency ?? Number.POSITIVE_INFINITY,
    ...(store ? { store } : {}),
    clock,
    // The attempt's timeout starts after the slot: this bounds the wait for it.
    maxWaitMs: DEFAULT_QUEUE_WAIT_MS,
    ...own,
    onThrottled: (e) => {
      own?.onThrottled?.(e);
      // Server pacing is reported once, as the `pause` event (with its spacing) of the
      // `observe` that asked for it.
      if (e.reason === 'server-pace') return;
      emit({ type: 'throttled', integration, key: e.key, waitMs: e.waitMs, reason: e.reason });
    },
    onPause: (e) => {
      own?.onPause?.(e);
      if (!observing) reportPause(e);
      else if (heard === undefined) heard = [e];
      else heard.push(e);
    },
  });
  const observe = limiter.observe.bind(limiter);
  limiter.observe = (input, options) => {
    observing = true;
    heard = undefined;
    let result: ObserveResult | undefined;
    let mine: PauseEvent[] | undefined;
    try {
      result = observe(input, options);
    } finally {
      observing = false;
      mine = heard as PauseEvent[] | undefined;
      heard = undefined;
    }
    if (result?.reason === 'server-pace') reportPause(result);
    if (mine === undefined) return result;
    for (const e of mine)
      reportPause(result?.reason === 'backoff' ? { ...e, reason: 'backoff' } : e);
    return result;
  };
  return limiter;
}
