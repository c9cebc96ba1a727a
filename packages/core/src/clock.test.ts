import { describe, expect, it, vi } from 'vitest';
import { manualClock, systemClock } from './clock.js';

describe('systemClock', () => {
  it('now() is Date.now()', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('sleep resolves after the timer fires (fake timers, no real wait)', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const sleep = systemClock.sleep(1000).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await sleep;
      expect(done).toBe(true);
      // Negative durations are treated as 0.
      const negative = systemClock.sleep(-5);
      await vi.advanceTimersByTimeAsync(0);
      await expect(negative).resolves.toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects at once with the reason of an already-aborted signal', async () => {
    const reason = new Error('shutting down');
    await expect(systemClock.sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('rejects with the reason when aborted mid-sleep, and clears its timer', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const sleep = systemClock.sleep(10_000, controller.signal);
      expect(vi.getTimerCount()).toBe(1);
      const reason = new Error('cancel');
      controller.abort(reason);
      await expect(sleep).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits out a delay longer than one timer holds (2^31 - 1 ms), and still aborts', async () => {
    vi.useFakeTimers();
    try {
      // setTimeout cuts anything above 2^31 - 1 ms to 1 ms: a 30-day wait must not end at once.
      const month = 30 * 86_400_000;
      let done = false;
      const sleep = systemClock.sleep(month).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(2_147_483_647);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(month - 2_147_483_648);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await sleep;
      expect(done).toBe(true);

      const controller = new AbortController();
      const long = systemClock.sleep(month, controller.signal);
      await vi.advanceTimersByTimeAsync(2_147_483_647); // now on its second timer
      expect(vi.getTimerCount()).toBe(1);
      const reason = new Error('cancel');
      controller.abort(reason);
      await expect(long).rejects.toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses an AbortError when the signal has no reason', async () => {
    const signal = { aborted: true, reason: undefined } as unknown as AbortSignal;
    const error = await systemClock.sleep(1, signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('removes its abort listener once the sleep completes', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const remove = vi.spyOn(controller.signal, 'removeEventListener');
      const sleep = systemClock.sleep(10, controller.signal);
      await vi.advanceTimersByTimeAsync(10);
      await sleep;
      expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
      controller.abort(new Error('late')); // no unhandled rejection
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('manualClock', () => {
  it('starts at the given time (default 0) and only moves when told', async () => {
    expect(manualClock().now()).toBe(0);
    const clock = manualClock({ now: 1000 });
    expect(clock.now()).toBe(1000);
    await clock.advance(500);
    expect(clock.now()).toBe(1500);
    await clock.advanceTo(2000);
    expect(clock.now()).toBe(2000);
  });

  it('wakes sleepers in time order, ties in call order, with now() at each deadline', async () => {
    const clock = manualClock();
    const woke: Array<[string, number]> = [];
    const track = (name: string, ms: number) =>
      clock.sleep(ms).then(() => {
        woke.push([name, clock.now()]);
      });
    track('c', 300);
    track('a', 100);
    track('b1', 200);
    track('b2', 200);
    expect(clock.pending).toBe(4);
    await clock.advance(250);
    expect(woke).toEqual([
      ['a', 100],
      ['b1', 200],
      ['b2', 200],
    ]);
    expect(clock.now()).toBe(250);
    await clock.advance(50);
    expect(woke.at(-1)).toEqual(['c', 300]);
    expect(clock.pending).toBe(0);
  });

  it('honours sleeps scheduled by woken code within the same advance', async () => {
    const clock = manualClock();
    const times: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        times.push(clock.now());
      }
    };
    const done = loop();
    await clock.advance(1000);
    await done;
    expect(times).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(1000);
  });

  it('abort rejects with the reason and removes the sleeper', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const sleep = clock.sleep(100, controller.signal);
    clock.sleep(200);
    expect(clock.pending).toBe(2);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(sleep).rejects.toBe(reason);
    expect(clock.pending).toBe(1);
    await clock.advance(100); // must not resolve the aborted sleeper
    expect(clock.pending).toBe(1);
  });

  it('rejects at once for an already-aborted signal, without queueing', async () => {
    const clock = manualClock();
    const reason = new Error('already');
    await expect(clock.sleep(100, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('an abort after waking does nothing', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const sleep = clock.sleep(10, controller.signal);
    await clock.advance(10);
    await expect(sleep).resolves.toBeUndefined();
    controller.abort(new Error('late'));
    expect(clock.pending).toBe(0);
  });

  it('treats a negative sleep as 0', async () => {
    const clock = manualClock({ now: 5 });
    let woke = false;
    clock.sleep(-10).then(() => {
      woke = true;
    });
    await clock.advance(0);
    expect(woke).toBe(true);
  });

  it('advanceTo an earlier time throws RangeError', () => {
    const clock = manualClock({ now: 100 });
    expect(() => clock.advanceTo(99)).toThrow(RangeError);
    expect(() => clock.advanceTo(99)).toThrow(/earlier than now/);
  });

  it('next() jumps to the next deadline, false when none', async () => {
    const clock = manualClock();
    expect(await clock.next()).toBe(false);
    clock.sleep(70);
    clock.sleep(30);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(30);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(70);
    expect(await clock.next()).toBe(false);
  });

  it('runAll() drains every sleep, and stops after maxSteps', async () => {
    const clock = manualClock();
    clock.sleep(10);
    clock.sleep(20);
    await clock.runAll();
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(20);

    const forever = manualClock();
    let stop = false;
    const loop = async () => {
      while (!stop) await forever.sleep(1);
    };
    loop();
    await expect(forever.runAll(5)).rejects.toThrow(/still sleeping after 5 wake-ups/);
    stop = true;
    await forever.next();
  });

  it('next() with tied deadlines wakes them in call order', async () => {
    const clock = manualClock();
    const woke: string[] = [];
    clock.sleep(50).then(() => woke.push('first'));
    clock.sleep(50).then(() => woke.push('second'));
    clock.sleep(50).then(() => woke.push('third'));
    expect(await clock.next()).toBe(true);
    expect(woke).toEqual(['first', 'second', 'third']);
  });

  it('a stray abort event after waking leaves the queue alone', async () => {
    const clock = manualClock();
    let listener: (() => void) | undefined;
    const signal = {
      aborted: false,
      reason: new Error('late'),
      addEventListener: (_type: string, fn: () => void) => {
        listener = fn;
      },
      removeEventListener: () => {},
    } as unknown as AbortSignal;
    const sleep = clock.sleep(10, signal);
    clock.sleep(20);
    await clock.advance(10);
    await expect(sleep).resolves.toBeUndefined();
    listener?.();
    expect(clock.pending).toBe(1);
  });

  it('works where setImmediate is missing (browsers, workers)', async () => {
    vi.stubGlobal('setImmediate', undefined);
    try {
      const clock = manualClock();
      let woke = false;
      clock.sleep(5).then(() => {
        woke = true;
      });
      await clock.advance(5);
      expect(woke).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
