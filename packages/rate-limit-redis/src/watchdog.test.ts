import { manualClock, systemClock } from '@brace/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Watchdog } from './watchdog.js';

interface Deferred {
  promise: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
function deferred(): Deferred {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
const fallback = (e: unknown) => `failed: ${(e as Error).message}`;

describe('Watchdog', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('answers with the value, the error, or a timeout at each call’s own deadline', async () => {
    const clock = manualClock();
    const dog = new Watchdog(clock, 100);
    const a = deferred();
    const b = deferred();
    const c = deferred();
    const d = deferred();
    const ra = dog.guard(a.promise, (v) => `ok ${v}`, fallback);
    await clock.advance(30);
    const rb = dog.guard(b.promise, (v) => `ok ${v}`, fallback);
    await clock.advance(30);
    const rc = dog.guard(c.promise, (v) => `ok ${v}`, fallback);
    const rd = dog.guard(d.promise, (v) => `ok ${v}`, fallback);
    b.resolve(1); // settles in the middle of the queue
    d.reject(new Error('down'));
    expect(await rb).toBe('ok 1');
    expect(await rd).toBe('failed: down');
    await clock.advance(40); // t = 100: a times out, c (deadline 160) is still waiting
    expect(await ra).toBe('failed: Redis did not answer within 100 ms');
    c.resolve(2);
    expect(await rc).toBe('ok 2');
    a.resolve(3); // late answers are ignored
    b.resolve(4);
    await clock.advance(100);
    const e = deferred();
    const re = dog.guard(e.promise, (v) => `ok ${v}`, fallback);
    await clock.advance(99);
    e.reject(new Error('late'));
    expect(await re).toBe('failed: late');
    const f = dog.guard(new Promise(() => {}), (v) => v, fallback);
    await clock.advance(100);
    await clock.advance(100);
    expect(await f).toBe('failed: Redis did not answer within 100 ms');
  });

  it('a throwing reader falls to the error path; a throwing error path rejects', async () => {
    const dog = new Watchdog(manualClock(), 100);
    const bad = dog.guard(
      Promise.resolve(null),
      () => {
        throw new Error('unreadable');
      },
      fallback,
    );
    expect(await bad).toBe('failed: unreadable');
    const closed = dog.guard(Promise.reject(new Error('down')), String, () => {
      throw new Error('closed');
    });
    await expect(closed).rejects.toThrow('closed');
  });

  it('stays compact with thousands of calls settling out of order', async () => {
    const clock = manualClock();
    const dog = new Watchdog(clock, 1000);
    const first = deferred();
    const firstResult = dog.guard(first.promise, String, fallback);
    const rest = Array.from({ length: 3000 }, () => deferred());
    const results = rest.map((r) => dog.guard(r.promise, String, fallback));
    for (const r of rest.slice(0, 2500)) r.resolve('x');
    await Promise.all(results.slice(0, 2500));
    first.resolve('first');
    expect(await firstResult).toBe('first');
    const queue = (dog as unknown as { queue: unknown[] }).queue;
    expect(queue.length).toBeLessThanOrEqual(1000);
    for (const r of rest.slice(2500)) r.resolve('y');
    expect(new Set(await Promise.all(results))).toEqual(new Set(['x', 'y']));
    expect(queue.length).toBe(0);
  });

  it('with the system clock, one unref’d timer (also where timers have no unref)', async () => {
    const dog = new Watchdog(systemClock, 5);
    expect(await dog.guard(new Promise(() => {}), String, fallback)).toBe(
      'failed: Redis did not answer within 5 ms',
    );
    const real = setTimeout;
    vi.stubGlobal('setTimeout', (fn: () => void, ms: number) => {
      real(fn, ms);
      return 1;
    });
    const bare = new Watchdog(systemClock, 5);
    expect(await bare.guard(new Promise(() => {}), String, fallback)).toBe(
      'failed: Redis did not answer within 5 ms',
    );
  });
});
