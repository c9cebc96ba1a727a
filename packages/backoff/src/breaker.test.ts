import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { createCircuitBreaker } from './breaker.js';
import type { CircuitStateChangeEvent } from './breaker-options.js';
import { BackoffOptionError, CircuitOpenError } from './errors.js';

const fail503 = async () => {
  throw Object.assign(new Error('HTTP 503'), { status: 503 });
};

describe('createCircuitBreaker', () => {
  it('opens at the failure ratio once minimumThroughput is reached, then fails fast', async () => {
    const clock = manualClock({ now: 10_000 });
    const events: CircuitStateChangeEvent[] = [];
    const breaker = createCircuitBreaker({
      failureRatio: 0.5,
      minimumThroughput: 4,
      breakDurationMs: 1_000,
      clock,
      onStateChange: (e) => events.push(e),
    });
    await breaker.execute(async () => 'ok');
    await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
    await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
    expect(breaker.state()).toBe('closed'); // 3 calls < minimumThroughput
    await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
    expect(breaker.state()).toBe('open');
    expect(events).toEqual([
      { key: '', from: 'closed', to: 'open', at: 10_000, reason: 'failure-ratio' },
    ]);

    const fn = vi.fn(async () => 'never');
    await clock.advance(400);
    const error = await breaker.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    const e = error as CircuitOpenError;
    expect(e.code).toBe('CIRCUIT_OPEN');
    expect(e.retryAt).toBe(11_000);
    expect(e.retryAfterMs).toBe(600);
    expect(e.message).toContain('600 ms');
  });

  it('half-open: lets halfOpenProbes probes through; a success closes, a failure reopens', async () => {
    const clock = manualClock();
    const states: string[] = [];
    const breaker = createCircuitBreaker({
      minimumThroughput: 1,
      breakDurationMs: 1_000,
      halfOpenProbes: 1,
      clock,
      onStateChange: ({ to }) => states.push(to),
    });
    await expect(breaker.execute(fail503)).rejects.toThrow();
    await clock.advance(1_000);
    expect(breaker.state()).toBe('half-open');
    let release!: () => void;
    const probe = breaker.execute(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await expect(breaker.execute(async () => 1)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(breaker.execute(async () => 1)).rejects.toMatchObject({ retryAt: 2_000 });
    release();
    await probe;
    expect(breaker.state()).toBe('closed');
    await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
    await clock.advance(1_000);
    await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
    expect(breaker.state()).toBe('open');
    expect(states).toEqual(['open', 'half-open', 'closed', 'open', 'half-open', 'open']);
  });

  it('execute: a call started before the circuit opened does not decide the probe', async () => {
    const clock = manualClock();
    const states: string[] = [];
    const breaker = createCircuitBreaker({
      minimumThroughput: 2,
      breakDurationMs: 1_000,
      clock,
      onStateChange: ({ to }) => states.push(to),
    });
    const deferred = () => {
      let settle!: (fail: boolean) => void;
      const promise = new Promise<string>((resolve, reject) => {
        settle = (fail) =>
          fail ? reject(Object.assign(new Error('HTTP 504'), { status: 504 })) : resolve('ok');
      });
      return { promise, settle };
    };
    // Two slow calls start while closed; two fast failures open the circuit.
    const slowFailure = deferred();
    const slowSuccess = deferred();
    const late1 = breaker.execute(() => slowFailure.promise).catch(() => 'failed');
    const late2 = breaker.execute(() => slowSuccess.promise);
    await expect(breaker.execute(fail503)).rejects.toThrow();
    await expect(breaker.execute(fail503)).rejects.toThrow();
    expect(breaker.state()).toBe('open');
    await clock.advance(1_000);
    const probe = deferred();
    const probing = breaker.execute(() => probe.promise);
    // The stale calls finish while the probe is out: neither reopens nor closes the circuit.
    slowFailure.settle(true);
    await late1;
    expect(breaker.state()).toBe('half-open');
    slowSuccess.settle(false);
    await late2;
    expect(breaker.state()).toBe('half-open');
    probe.settle(false);
    await probing;
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('frees a lost probe slot after breakDurationMs', async () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker({ minimumThroughput: 1, breakDurationMs: 500, clock });
    breaker.recordFailure('h');
    await clock.advance(500);
    breaker.acquire('h'); // a probe that never reports
    expect(() => breaker.acquire('h')).toThrow(CircuitOpenError);
    await clock.advance(500);
    expect(() => breaker.acquire('h')).not.toThrow();
  });

  it('does not count errors that are not failures, and ignores late results while open', async () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker({ minimumThroughput: 2, clock });
    const notFound = Object.assign(new Error('HTTP 404'), { status: 404 });
    for (let i = 0; i < 5; i++)
      await expect(
        breaker.execute(async () => {
          throw notFound;
        }),
      ).rejects.toBe(notFound);
    expect(breaker.state()).toBe('closed');
    for (let i = 0; i < 5; i++) breaker.recordSuccess();
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    expect(breaker.state()).toBe('closed'); // 4 of 9 calls failed (the 404s are not calls): < 0.5
    breaker.recordFailure();
    expect(breaker.state()).toBe('open'); // 5 of 10
    breaker.recordSuccess(); // a call started before the circuit opened
    expect(breaker.state()).toBe('open');
  });

  describe('an ignored probe (an abort, an error isFailure rejects) leaves the circuit half-open', () => {
    const abortError = () => new DOMException('The operation was aborted.', 'AbortError');
    const notFound = () => Object.assign(new Error('HTTP 404'), { status: 404 });
    for (const [name, error] of [
      ['aborted', abortError],
      ['404', notFound],
    ] as const) {
      it(`a ${name} probe neither closes nor reopens; the next call probes`, async () => {
        const clock = manualClock();
        const states: string[] = [];
        const breaker = createCircuitBreaker({
          minimumThroughput: 1,
          breakDurationMs: 1_000,
          clock,
          onStateChange: ({ to }) => states.push(to),
        });
        await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
        await clock.advance(1_000);
        const thrown = error();
        await expect(
          breaker.execute(async () => {
            throw thrown;
          }),
        ).rejects.toBe(thrown);
        expect(breaker.state()).toBe('half-open');
        // The probe slot is free at once (no CircuitOpenError, no waiting breakDurationMs).
        await expect(breaker.execute(fail503)).rejects.toThrow('HTTP 503');
        expect(breaker.state()).toBe('open');
        await clock.advance(1_000);
        await expect(
          breaker.execute(async () => {
            throw error();
          }),
        ).rejects.toBeDefined();
        await expect(breaker.execute(async () => 'ok')).resolves.toBe('ok');
        expect(breaker.state()).toBe('closed');
        expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
      });
    }

    it('recordIgnored frees a half-open probe slot by hand and is a no-op otherwise', async () => {
      const clock = manualClock();
      const breaker = createCircuitBreaker({ minimumThroughput: 1, breakDurationMs: 1_000, clock });
      breaker.recordIgnored('h'); // closed: nothing counted
      expect(breaker.state('h')).toBe('closed');
      breaker.recordFailure('h');
      breaker.recordIgnored('h'); // open: nothing
      expect(breaker.state('h')).toBe('open');
      await clock.advance(1_000);
      breaker.acquire('h');
      expect(() => breaker.acquire('h')).toThrow(CircuitOpenError);
      breaker.recordIgnored('h');
      expect(breaker.state('h')).toBe('half-open');
      expect(() => breaker.acquire('h')).not.toThrow();
      breaker.recordIgnored('h');
      breaker.recordIgnored('h'); // no slot held: stays at zero
      breaker.acquire('h');
      expect(() => breaker.acquire('h')).toThrow(CircuitOpenError);
    });
  });

  it('forgets failures outside the sampling window', async () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker({ minimumThroughput: 3, samplingWindowMs: 1_000, clock });
    breaker.recordFailure();
    breaker.recordFailure();
    await clock.advance(1_500);
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('keeps keys apart and honours a custom isFailure', async () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker({ minimumThroughput: 1, clock, isFailure: () => true });
    await expect(
      breaker.execute(
        async () => {
          throw new Error('x');
        },
        { key: 'a' },
      ),
    ).rejects.toThrow('x');
    expect(breaker.state('a')).toBe('open');
    expect(breaker.state('b')).toBe('closed');
    await expect(breaker.execute(async () => 2, { key: 'b' })).resolves.toBe(2);
    const error = await breaker.execute(async () => 1, { key: 'a' }).catch((e: unknown) => e);
    expect((error as CircuitOpenError).key).toBe('a');
    expect((error as Error).message).toContain(' for a ');
  });

  it('survives a throwing onStateChange', async () => {
    const breaker = createCircuitBreaker({
      minimumThroughput: 1,
      onStateChange: () => {
        throw new Error('listener');
      },
    });
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
  });

  it('rejects bad options', () => {
    expect(() => createCircuitBreaker({ failureRatio: 0 })).toThrow(BackoffOptionError);
    expect(() => createCircuitBreaker({ halfOpenProbes: 0 })).toThrow(/`halfOpenProbes`/);
    expect(() => createCircuitBreaker({ minimumThroughput: 1.5 })).toThrow(/`minimumThroughput`/);
    expect(() => createCircuitBreaker({ isFailure: 3 as never })).toThrow(
      /`isFailure` must be a function/,
    );
  });

  it('consecutive-failures mode: opens after n failures in a row; a success resets the count', async () => {
    const clock = manualClock();
    const events: CircuitStateChangeEvent[] = [];
    const breaker = createCircuitBreaker({
      consecutiveFailures: 3,
      breakDurationMs: 1_000,
      clock,
      onStateChange: (e) => events.push(e),
    });
    for (let i = 0; i < 2; i++) await expect(breaker.execute(fail503)).rejects.toThrow();
    await breaker.execute(async () => 'ok'); // resets the streak
    const notFound = Object.assign(new Error('HTTP 404'), { status: 404 });
    for (let i = 0; i < 2; i++) await expect(breaker.execute(fail503)).rejects.toThrow();
    await expect(
      breaker.execute(async () => {
        throw notFound; // ignored: neither breaks nor extends the streak
      }),
    ).rejects.toBe(notFound);
    expect(breaker.state()).toBe('closed');
    await expect(breaker.execute(fail503)).rejects.toThrow();
    expect(breaker.state()).toBe('open');
    await clock.advance(1_000);
    await breaker.execute(async () => 'ok');
    expect(events.map((e) => `${e.to}:${e.reason}`)).toEqual([
      'open:consecutive-failures',
      'half-open:break-elapsed',
      'closed:probe-succeeded',
    ]);
    expect(() => createCircuitBreaker({ consecutiveFailures: 0 })).toThrow(/consecutiveFailures/);
  });

  it('isolate() holds the circuit open (past breakDurationMs and the idle TTL) until reset()', async () => {
    const clock = manualClock();
    const events: CircuitStateChangeEvent[] = [];
    const breaker = createCircuitBreaker({
      breakDurationMs: 1_000,
      samplingWindowMs: 1_000,
      maxKeys: 1,
      clock,
      onStateChange: (e) => events.push(e),
    });
    breaker.isolate('h');
    breaker.isolate('h'); // already isolated: no second event
    expect(breaker.state('h')).toBe('isolated');
    await clock.advance(3_600_000); // far past the idle TTL
    breaker.acquire('other'); // another key, with maxKeys 1: must not evict the isolated one
    const fn = vi.fn(async () => 'x');
    const error = await breaker.execute(fn, { key: 'h' }).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAt).toBe(Number.POSITIVE_INFINITY);
    expect((error as Error).message).toContain('isolated by hand');
    breaker.reset('h');
    expect(breaker.state('h')).toBe('closed');
    await expect(breaker.execute(fn, { key: 'h' })).resolves.toBe('x');
    breaker.reset('h'); // closed already: only the counts are forgotten
    expect(events.map((e) => `${e.from}>${e.to}:${e.reason}`)).toEqual([
      'closed>isolated:isolated',
      'isolated>closed:reset',
    ]);
  });

  it('reset() closes an open circuit and forgets its failures', async () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker({ minimumThroughput: 2, clock });
    breaker.recordFailure();
    breaker.reset(); // closed: the one failure is forgotten
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    breaker.reset();
    expect(breaker.state()).toBe('closed');
    expect(() => breaker.acquire()).not.toThrow();
  });

  it('execute passes fn an AbortSignal: the caller’s, or one that never aborts', async () => {
    const breaker = createCircuitBreaker();
    const seen: AbortSignal[] = [];
    await breaker.execute(({ signal }) => seen.push(signal));
    const controller = new AbortController();
    await breaker.execute(({ signal }) => seen.push(signal), { signal: controller.signal });
    expect(seen[0]?.aborted).toBe(false);
    expect(seen[1]).toBe(controller.signal);
    const reason = new Error('stop');
    const fn = vi.fn();
    await expect(breaker.execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('unknown options name ours (opossum and cockatiel names included)', () => {
    expect(() => createCircuitBreaker({ errorThresholdPercentage: 50 } as never)).toThrow(
      /Unknown option `errorThresholdPercentage`; did you mean `failureRatio`/,
    );
    expect(() => createCircuitBreaker({ resetTimeout: 1 } as never)).toThrow(/`breakDurationMs`/);
    expect(() => createCircuitBreaker({ halfOpenAfter: 1 } as never)).toThrow(/`breakDurationMs`/);
  });
});
