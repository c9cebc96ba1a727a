import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { createRetryBudget, createTokenBucketBudget } from './budget.js';
import { statusOf } from './classify.js';
import {
  BackoffOptionError,
  RetryAfterTooLongError,
  RetryBudgetExhaustedError,
  RetryDeadlineError,
} from './errors.js';
import { retryHistoryOf } from './history.js';
import {
  type AttemptContext,
  DEFAULT_MAX_RETRY_AFTER_MS,
  type GiveUpEvent,
  type RetryEvent,
  type RetryOptions,
  retry,
} from './retry.js';
import { constant, exponential } from './strategies.js';
import { settle } from './test-utils/settle.js';

function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), {
    response: { status, headers: new Headers(headers) },
  });
}

/** fn failing with the given errors in turn, then returning 'ok'; records call times. */
function failing(clock: { now(): number }, errors: unknown[]) {
  const calls: Array<{ at: number; context: AttemptContext }> = [];
  const fn = async (context: AttemptContext) => {
    calls.push({ at: clock.now(), context });
    const error = errors[calls.length - 1];
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { fn, calls };
}

describe('retry: success', () => {
  it('calls fn once and returns its value, passing attempt 1 and the signal', async () => {
    const fn = vi.fn(async (c: AttemptContext) => c.attempt * 10);
    await expect(retry(fn)).resolves.toBe(10);
    expect(fn).toHaveBeenCalledTimes(1);
    const first = fn.mock.calls[0]?.[0] as AttemptContext;
    expect(first.attempt).toBe(1);
    expect(first.signal).toBeInstanceOf(AbortSignal); // one that never aborts
    expect(first.signal.aborted).toBe(false);
    const signal = new AbortController().signal;
    await retry(fn, { signal });
    expect(fn.mock.calls[1]?.[0]).toEqual({ attempt: 1, signal });
  });

  it('accepts synchronous functions', async () => {
    await expect(retry(() => 'sync')).resolves.toBe('sync');
  });
});

describe('retry: failures', () => {
  it('retries retryable errors at the strategy delays and resolves with the first success', async () => {
    const clock = manualClock({ now: 1_000 });
    const { fn, calls } = failing(clock, [httpError(503), httpError(500)]);
    const result = await settle(retry(fn, { clock, strategy: constant(250) }), clock);
    expect(result.value).toBe('ok');
    expect(calls.map((c) => c.at)).toEqual([1_000, 1_250, 1_500]);
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 3]);
  });

  it('uses full-jitter exponential backoff by default', async () => {
    const clock = manualClock();
    const { fn, calls } = failing(clock, [httpError(502), httpError(502)]);
    await settle(retry(fn, { clock, random: () => 0.5 }), clock);
    expect(calls.map((c) => c.at)).toEqual([0, 50, 150]); // U(0,100)=50, U(0,200)=100
  });

  it('out of attempts: rethrows the last error itself, its history in retryHistoryOf', async () => {
    const clock = manualClock();
    const errors = [httpError(503), new TypeError('fetch failed'), httpError(429)];
    const { fn, calls } = failing(clock, errors);
    const onGiveUp = vi.fn();
    const { error } = await settle(retry(fn, { clock, attempts: 3, onGiveUp }), clock);
    expect(error).toBe(errors[2]);
    expect(retryHistoryOf(error)).toEqual({ attempts: 3, errors, reason: 'exhausted' });
    expect(Object.keys(error as object)).toEqual(['response']); // nothing added to the error
    expect(retryHistoryOf(new Error('other'))).toBeUndefined();
    expect(retryHistoryOf('text')).toBeUndefined();
    expect(calls).toHaveLength(3);
    expect(onGiveUp).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'exhausted', attempt: 3 }),
    );
  });

  it('rethrows a non-retryable error as is, after one call', async () => {
    for (const status of [400, 401, 403, 404, 422]) {
      const clock = manualClock();
      const original = httpError(status);
      const { fn, calls } = failing(clock, [original]);
      const onGiveUp = vi.fn();
      const { error } = await settle(retry(fn, { clock, onGiveUp }), clock);
      expect(error).toBe(original);
      expect(calls).toHaveLength(1);
      expect((onGiveUp.mock.calls[0]?.[0] as GiveUpEvent | undefined)?.reason).toBe(
        'not-retryable',
      );
    }
  });

  it('retries any error by default (as p-retry), and a custom shouldRetry decides instead', async () => {
    const clock = manualClock();
    const boom = new Error('boom');
    const first = failing(clock, [boom]);
    expect((await settle(retry(first.fn, { clock }), clock)).value).toBe('ok');
    expect(first.calls).toHaveLength(2);
    const refused = failing(clock, [boom]);
    const shouldNot = { clock, shouldRetry: () => false };
    expect((await settle(retry(refused.fn, shouldNot), clock)).error).toBe(boom);
    expect(retryHistoryOf(boom)).toEqual({ attempts: 1, errors: [boom], reason: 'not-retryable' });

    const second = failing(clock, [boom, boom]);
    const shouldRetry = vi.fn(async (_e: unknown, attempt: number) => attempt < 5);
    const result = await settle(retry(second.fn, { clock, shouldRetry, attempts: 5 }), clock);
    expect(result.value).toBe('ok');
    expect(shouldRetry.mock.calls.map((c) => c[1])).toEqual([1, 2]);
  });

  it('retries timeouts unless retryOnTimeout is false', async () => {
    const clock = manualClock();
    const timeout = new DOMException('timed out', 'TimeoutError');
    const off = { clock, retryOnTimeout: false };
    expect((await settle(retry(failing(clock, [timeout]).fn, off), clock)).error).toBe(timeout);
    const result = await settle(retry(failing(clock, [timeout]).fn, { clock }), clock);
    expect(result.value).toBe('ok');
  });

  it('survives a strategy returning garbage', async () => {
    const clock = manualClock();
    const { fn, calls } = failing(clock, [httpError(503), httpError(503)]);
    const result = await settle(retry(fn, { clock, strategy: () => Number.NaN }), clock);
    expect(result.value).toBe('ok');
    expect(calls.map((c) => c.at)).toEqual([0, 0, 0]);
  });
});

describe('retry: cancellation', () => {
  it('never calls fn when the signal is already aborted', async () => {
    const fn = vi.fn();
    const reason = new Error('shutting down');
    await expect(retry(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('ends a wait at once with the signal reason', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const { fn, calls } = failing(clock, [httpError(503)]);
    const onGiveUp = vi.fn();
    const promise = retry(fn, {
      clock,
      signal: controller.signal,
      strategy: constant(60_000),
      onGiveUp,
    });
    const outcome = promise.catch((e: unknown) => e);
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    const reason = new Error('user left');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.now()).toBe(0); // no time passed
    expect(calls).toHaveLength(1);
    expect(onGiveUp).toHaveBeenCalledWith(expect.objectContaining({ reason: 'aborted' }));
  });

  it('does not retry when the signal aborted during an attempt', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const reason = new Error('stop');
    const fn = vi.fn(async () => {
      controller.abort(reason);
      throw httpError(503);
    });
    await expect(retry(fn, { clock, signal: controller.signal })).rejects.toBe(reason);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('retry: totalTimeout', () => {
  it('gives up before a wait that would overrun it, without waiting', async () => {
    const clock = manualClock({ now: 5_000 });
    const errors = [httpError(503), httpError(503)];
    const { fn, calls } = failing(clock, errors);
    const onGiveUp = vi.fn();
    const promise = retry(fn, {
      clock,
      totalTimeout: 1_500,
      strategy: constant(1_000),
      attempts: 5,
      onGiveUp,
    });
    const { error } = await settle(promise, clock);
    expect(error).toBeInstanceOf(RetryDeadlineError);
    const e = error as RetryDeadlineError;
    expect(e.code).toBe('RETRY_DEADLINE_EXCEEDED');
    expect(e.elapsedMs).toBe(1_000);
    expect(e.nextDelayMs).toBe(1_000);
    expect(e.totalTimeout).toBe(1_500);
    expect(e.errors).toEqual(errors);
    expect(e.cause).toBe(errors[1]);
    expect(calls.map((c) => c.at)).toEqual([5_000, 6_000]);
    expect(clock.now()).toBe(6_000);
    expect(onGiveUp).toHaveBeenCalledWith(expect.objectContaining({ reason: 'deadline' }));
  });

  it('allows a wait that ends exactly at the deadline', async () => {
    const clock = manualClock();
    const { fn } = failing(clock, [httpError(503)]);
    const result = await settle(
      retry(fn, { clock, totalTimeout: 1_000, strategy: constant(1_000) }),
      clock,
    );
    expect(result.value).toBe('ok');
  });
});

describe('retry: server timing', () => {
  it('waits at least Retry-After (seconds), plus positive jitter', async () => {
    for (const [r, expected] of [
      [0, 2_000],
      [0.5, 2_500], // the spread is max(20% of 2 s, MIN_RETRY_AFTER_SPREAD_MS = 1 s)
      [0.999, 2_999],
    ] as const) {
      const clock = manualClock();
      const { fn, calls } = failing(clock, [httpError(429, { 'retry-after': '2' })]);
      const events: RetryEvent[] = [];
      await settle(retry(fn, { clock, random: () => r, onRetry: (e) => events.push(e) }), clock);
      expect(calls[1]?.at).toBeCloseTo(expected);
      expect(events[0]).toMatchObject({ attempt: 1, serverDelayMs: 2_000 });
      expect(events[0]?.delayMs).toBeCloseTo(expected);
    }
  });

  it('honours an HTTP-date Retry-After relative to the clock', async () => {
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    const clock = manualClock({ now: start });
    const date = new Date(start + 5_000).toUTCString();
    const { fn, calls } = failing(clock, [httpError(503, { 'retry-after': date })]);
    await settle(retry(fn, { clock, random: () => 0, retryAfterJitter: 0 }), clock);
    expect(calls[1]?.at).toBe(start + 5_000);
  });

  it('honours a rate-limit reset when nothing remains, and reads error.headers too', async () => {
    const clock = manualClock();
    const error = Object.assign(new Error('limited'), {
      status: 429,
      headers: { 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' },
    });
    const { fn, calls } = failing(clock, [error]);
    await settle(retry(fn, { clock, random: () => 0 }), clock);
    expect(calls[1]?.at).toBe(3_000);
  });

  it('keeps the longer of the strategy delay and the server delay', async () => {
    const clock = manualClock();
    const { fn, calls } = failing(clock, [httpError(503, { 'retry-after': '1' })]);
    await settle(retry(fn, { clock, strategy: constant(4_000), random: () => 0 }), clock);
    expect(calls[1]?.at).toBe(4_000);
  });

  it('gives up with RetryAfterTooLongError instead of shortening an over-long wait', async () => {
    const clock = manualClock();
    const original = httpError(429, { 'retry-after': '120' });
    const { fn, calls } = failing(clock, [original]);
    const onGiveUp = vi.fn();
    const { error } = await settle(retry(fn, { clock, onGiveUp }), clock);
    expect(error).toBeInstanceOf(RetryAfterTooLongError);
    const e = error as RetryAfterTooLongError;
    expect(e.code).toBe('RETRY_AFTER_TOO_LONG');
    expect(e.delayMs).toBe(120_000);
    expect(e.maxRetryAfter).toBe(DEFAULT_MAX_RETRY_AFTER_MS);
    expect(e.cause).toBe(original);
    expect(calls).toHaveLength(1);
    expect(onGiveUp).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'retry-after-too-long' }),
    );
  });

  it('jitters a wait at maxRetryAfter above it (clamping there made every client wake at once)', async () => {
    const clock = manualClock();
    const { fn, calls } = failing(clock, [httpError(503, { 'retry-after': '10' })]);
    await settle(retry(fn, { clock, maxRetryAfter: 10_000, random: () => 0.9 }), clock);
    expect(calls[1]?.at).toBe(11_800);
  });

  it('ignores server timing with respectRetryAfter: false', async () => {
    const clock = manualClock();
    const { fn, calls } = failing(clock, [httpError(429, { 'retry-after': '999' })]);
    await settle(retry(fn, { clock, respectRetryAfter: false, strategy: constant(10) }), clock);
    expect(calls[1]?.at).toBe(10);
  });

  it('spreads clients told the same Retry-After', async () => {
    const clock = manualClock();
    const times: number[] = [];
    const runs = [0.1, 0.4, 0.7].map((r) => {
      let first = true;
      return retry(
        async () => {
          if (first) {
            first = false;
            throw httpError(503, { 'retry-after': '1' });
          }
          times.push(clock.now());
        },
        { clock, random: () => r },
      );
    });
    await settle(Promise.all(runs), clock);
    expect(new Set(times).size).toBe(3);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(1_000);
  });
});

describe('retry: budget', () => {
  it('fails fast with RetryBudgetExhaustedError once retries exceed the ratio', async () => {
    const clock = manualClock({ now: 1_000_000 });
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, clock });
    let attempts = 0;
    const results: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      const p = retry(
        async () => {
          attempts++;
          throw httpError(503);
        },
        { clock, budget, budgetKey: 'api', strategy: constant(0) },
      );
      results.push((await settle(p, clock)).error);
    }
    // 20 requests × 10% = 2 retries allowed in the window
    expect(attempts).toBe(22);
    const budgetErrors = results.filter((e) => e instanceof RetryBudgetExhaustedError);
    expect(budgetErrors).toHaveLength(20); // the two retried calls fail again and are refused a second retry
    const first = budgetErrors[0] as RetryBudgetExhaustedError;
    expect(first.code).toBe('RETRY_BUDGET_EXHAUSTED');
    expect(first.key).toBe('api');
    expect(first.message).toContain('api');
    expect((first.cause as Error).message).toBe('HTTP 503');
  });

  it('feeds a token bucket with failures and successes', async () => {
    const clock = manualClock();
    const budget = createTokenBucketBudget({ maxTokens: 4, tokenRatio: 1 });
    const reasons: string[] = [];
    // each failure costs 1; retries stop at tokens <= 2
    const p = retry(
      async () => {
        throw httpError(503);
      },
      {
        clock,
        budget,
        attempts: 10,
        strategy: constant(0),
        onGiveUp: (e) => reasons.push(e.reason),
      },
    );
    const { error } = await settle(p, clock);
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect((error as RetryBudgetExhaustedError).errors).toHaveLength(2);
    expect(reasons).toEqual(['budget']);
    expect(budget.tryRetry()).toBe(false);
    await retry(async () => 'ok', { budget });
    await retry(async () => 'ok', { budget });
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('retry: events and options', () => {
  it('a throwing or rejecting callback never breaks the call', async () => {
    const clock = manualClock();
    const { fn } = failing(clock, [httpError(503)]);
    const result = await settle(
      retry(fn, {
        clock,
        onRetry: () => {
          throw new Error('bad listener');
        },
      }),
      clock,
    );
    expect(result.value).toBe('ok');
    const second = failing(clock, [httpError(404)]);
    const outcome = await settle(
      retry(second.fn, {
        clock,
        onGiveUp: () => Promise.reject(new Error('async bad listener')) as never,
      }),
      clock,
    );
    expect((outcome.error as Error).message).toBe('HTTP 404');
  });

  it('onRetry gets a plain object', async () => {
    const clock = manualClock();
    const error = httpError(503);
    const { fn } = failing(clock, [error]);
    const onRetry = vi.fn();
    await settle(retry(fn, { clock, onRetry, strategy: constant(7) }), clock);
    expect(onRetry).toHaveBeenCalledWith({
      attempt: 1,
      error,
      delayMs: 7,
      serverDelayMs: undefined,
    });
  });

  it('rejects bad options naming the option', async () => {
    const fn = async () => 1;
    const bad: Array<[RetryOptions, string]> = [
      [{ attempts: 0 }, 'attempts'],
      [{ attempts: 1.5 }, 'attempts'],
      [{ totalTimeout: -1 }, 'totalTimeout'],
      [{ maxRetryAfter: Number.POSITIVE_INFINITY }, 'maxRetryAfter'],
      [{ retryAfterJitter: 2 }, 'retryAfterJitter'],
      [{ strategy: 5 as never }, 'strategy'],
      [{ shouldRetry: 'x' as never }, 'shouldRetry'],
      [{ random: {} as never }, 'random'],
    ];
    for (const [options, name] of bad) {
      const error = await retry(fn, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackoffOptionError);
      expect((error as BackoffOptionError).option).toBe(name);
      expect((error as Error).message).toContain(`\`${name}\``);
    }
  });

  it('with attempts: 1 never retries', async () => {
    const clock = manualClock();
    const { fn, calls } = failing(clock, [httpError(503)]);
    const { error } = await settle(retry(fn, { clock, attempts: 1 }), clock);
    expect(statusOf(error)).toBe(503);
    expect(retryHistoryOf(error)?.reason).toBe('exhausted');
    expect(calls).toHaveLength(1);
  });

  it('works with the real clock for a tiny wait', async () => {
    let n = 0;
    const value = await retry(
      async () => {
        if (n++ === 0) throw httpError(503);
        return n;
      },
      { strategy: exponential({ base: 1, cap: 2 }) },
    );
    expect(value).toBe(2);
  });
});
