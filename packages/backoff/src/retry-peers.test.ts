import { BraceError, manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { isPermanentStatus, isTransientError } from './classify.js';
import { BackoffOptionError } from './errors.js';
import { retryHistoryOf } from './history.js';
import { backoffRetry } from './ky.js';
import { type AttemptContext, retry } from './retry.js';
import { constant } from './strategies.js';
import { settle } from './test-utils/settle.js';

/** A problem-details-like error: a BraceError carrying a status, as @brace/problem-details throws (no import of it). */
class ProblemLike extends BraceError {
  constructor(
    readonly status: number | undefined,
    readonly responseStatus: number,
  ) {
    super('PROBLEM_DETAILS', 'The API answered with a problem');
  }
}

const withStatus = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

describe('retry(fn) retries what p-retry retries', () => {
  it.each([
    ['a plain Error', new Error('socket hang up'), true],
    ['a thrown string', 'oops', true],
    ['a network TypeError', new TypeError('fetch failed'), true],
    ['a TypeError from a bug', new TypeError('x is not a function'), false],
    ['an abort', new DOMException('aborted', 'AbortError'), false],
    ['a timeout', new DOMException('timed out', 'TimeoutError'), true],
    ['500', withStatus(500), true],
    ['503', withStatus(503), true],
    ['408', withStatus(408), true],
    ['425', withStatus(425), true],
    ['429', withStatus(429), true],
    ['400', withStatus(400), false],
    ['401', withStatus(401), false],
    ['404', withStatus(404), false],
    ['409', withStatus(409), false],
    ['422', withStatus(422), false],
    ['a problem-details error with status 503', new ProblemLike(503, 503), true],
    ['a problem-details error with status 404', new ProblemLike(404, 404), false],
    [
      'a problem-details error stating no status, response 503',
      new ProblemLike(undefined, 503),
      true,
    ],
    [
      'a BraceError without a status (an open circuit)',
      new BraceError('CIRCUIT_OPEN', 'open'),
      false,
    ],
  ])('%s → retried: %s', async (_name, error, retried) => {
    expect(isTransientError(error)).toBe(retried);
    const clock = manualClock();
    const fn = vi.fn(async () => {
      if (fn.mock.calls.length === 1) throw error;
      return 'ok';
    });
    const result = await settle(retry(fn, { clock, strategy: constant(10) }), clock);
    if (retried) expect(result.value).toBe('ok');
    else expect(result.error).toBe(error);
    expect(fn).toHaveBeenCalledTimes(retried ? 2 : 1);
  });

  it('isPermanentStatus: 4xx except 408/425/429', () => {
    const permanent = [];
    for (let s = 100; s < 600; s++) if (isPermanentStatus(s)) permanent.push(s);
    expect(permanent).toHaveLength(100 - 3);
    expect(permanent).not.toContain(429);
    expect(permanent[0]).toBe(400);
  });

  it('out of attempts, p-retry style: the last error itself, every attempt reachable', async () => {
    const clock = manualClock();
    const errors = [new Error('a'), new Error('b'), new Error('c')];
    let n = 0;
    const { error } = await settle(
      retry(
        () => {
          throw errors[n++];
        },
        { clock, attempts: 3, strategy: constant(1) },
      ),
      clock,
    );
    expect(error).toBe(errors[2]);
    expect(retryHistoryOf(error)).toEqual({ attempts: 3, errors, reason: 'exhausted' });
  });
});

describe('unknown options are errors at construction, naming ours', () => {
  it.each([
    [{ retries: 4 }, 'retries', 'attempts'],
    [{ maxAttempts: 4 }, 'maxAttempts', 'attempts'],
    [{ minTimeout: 100 }, 'minTimeout', 'exponential({ base })'],
    [{ onFailedAttempt: () => {} }, 'onFailedAttempt', 'onRetry'],
    [{ retryCondition: () => true }, 'retryCondition', 'shouldRetry'],
    [{ retryDelay: () => 1 }, 'retryDelay', 'strategy'],
    [{ timeout: 1000 }, 'timeout', 'attemptTimeoutMs'],
    [{ atempts: 3 }, 'atempts', '`attempts`'],
  ])('retry(fn, %o)', async (options, name, suggestion) => {
    const fn = vi.fn();
    const error = await retry(fn, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackoffOptionError);
    expect((error as BackoffOptionError).option).toBe(name);
    expect((error as Error).message).toContain(`Unknown option \`${name}\`; did you mean`);
    expect((error as Error).message).toContain(suggestion);
    expect(fn).not.toHaveBeenCalled();
  });

  it('backoffRetry (ky) too, and a name with no near match gets no guess', () => {
    expect(() => backoffRetry({ retries: 2 } as never)).toThrow(
      /`retries`; did you mean `attempts`/,
    );
    expect(() => backoffRetry({ somethingElse: 2 } as never)).toThrow(
      'Unknown option `somethingElse` See the options table',
    );
  });
});

describe('attemptTimeoutMs: one attempt, not the whole call', () => {
  it('aborts the signal fn got, fails that attempt with a TimeoutError (even if fn ignores it) and retries', async () => {
    const clock = manualClock();
    const signals: AbortSignal[] = [];
    const fn = vi.fn((context: AttemptContext) => {
      signals.push(context.signal);
      // The first attempt never settles (it ignores its signal); the second answers at once.
      return context.attempt === 1 ? new Promise<string>(() => {}) : 'ok';
    });
    const onRetry = vi.fn();
    const result = await settle(
      retry(fn, {
        clock,
        attemptTimeoutMs: 500,
        totalTimeout: 60_000,
        strategy: constant(100),
        onRetry,
      }),
      clock,
    );
    expect(result.value).toBe('ok');
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0] as AbortSignal).reason.name).toBe('TimeoutError');
    expect(signals[1]?.aborted).toBe(false);
    expect(signals[0]).not.toBe(signals[1]);
    expect(onRetry.mock.calls[0]?.[0]).toMatchObject({ error: { name: 'TimeoutError' } });
    expect(clock.now()).toBe(600); // 500 ms attempt + 100 ms wait
  });

  it('a caller abort during an attempt ends it at once with the caller’s reason', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const pending = retry(
      (context) =>
        new Promise((_, reject) => {
          context.signal.addEventListener('abort', () => reject(context.signal.reason));
        }),
      { clock, attemptTimeoutMs: 1_000, signal: controller.signal },
    );
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('a fast attempt is not cut short, and bad values are refused', async () => {
    const clock = manualClock();
    await expect(retry(async () => 7, { clock, attemptTimeoutMs: 10 })).resolves.toBe(7);
    await expect(retry(async () => 7, { attemptTimeoutMs: 0 })).rejects.toThrow(/attemptTimeoutMs/);
  });
});

describe('every factory names an unknown option', () => {
  it('budgets and strategies', async () => {
    const { createRetryBudget, createTokenBucketBudget } = await import('./budget.js');
    const { exponential, linear } = await import('./strategies.js');
    expect(() => createRetryBudget({ ratoi: 0.1 } as never)).toThrow(
      /`ratoi`; did you mean `ratio`/,
    );
    expect(() => createTokenBucketBudget({ tokens: 1 } as never)).toThrow(
      /Unknown option `tokens`/,
    );
    expect(() => exponential({ maxTimeout: 1 } as never)).toThrow(/did you mean `cap`/);
    expect(() => linear({ stepMs: 1 } as never)).toThrow(/did you mean `step`/);
  });
});
