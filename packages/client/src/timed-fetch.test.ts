import type { FetchLike } from '@brace/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { timedFetch } from './timed-fetch.js';

/**
 * Sends one attempt through `timedFetch` to a fetch that never answers, under `parent`'s
 * signal, and returns the signal the attempt was sent with.
 */
function attemptSignalOf(parent: AbortSignal, ms: number): AbortSignal {
  let seen: AbortSignal | undefined;
  const never: FetchLike = (_input, init) => {
    seen = init?.signal ?? undefined;
    return new Promise<Response>(() => {});
  };
  void timedFetch(never, ms)(new Request('http://stub.test/x', { signal: parent }), {});
  if (seen === undefined) throw new Error('timedFetch sent no signal');
  return seen;
}

describe("timedFetch: each attempt's signal", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with a TimeoutError after ms, not before', () => {
    const signal = attemptSignalOf(new AbortController().signal, 100);
    vi.advanceTimersByTime(99);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts with the caller's reason when the caller aborts, first or later", () => {
    const parent = new AbortController();
    const signal = attemptSignalOf(parent.signal, 100);
    const reason = new Error('caller gave up');
    parent.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    vi.advanceTimersByTime(200);
    expect(signal.reason).toBe(reason);

    const already = attemptSignalOf(parent.signal, 100);
    expect(already.aborted).toBe(true);
    expect(already.reason).toBe(reason);
  });

  it('does not keep a Node process alive: the shared timer is unreferenced', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    // A duration no other test uses: its list arms its timer now.
    const signal = attemptSignalOf(new AbortController().signal, 61_234);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    expect(signal.aborted).toBe(false);
    spy.mockRestore();
  });

  it('many attempts of one duration share one timer, and each expires in turn', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const first = attemptSignalOf(new AbortController().signal, 300);
    vi.advanceTimersByTime(100);
    const second = attemptSignalOf(new AbortController().signal, 300);
    const third = attemptSignalOf(new AbortController().signal, 300);
    expect(spy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect([first.aborted, second.aborted, third.aborted]).toEqual([true, false, false]);
    vi.advanceTimersByTime(99);
    expect(second.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect([second.aborted, third.aborted]).toEqual([true, true]);
    spy.mockRestore();
  });

  it("a failed attempt rethrows its error and ends its deadline and the caller's listener", async () => {
    let seen: AbortSignal | undefined;
    const failing: FetchLike = async (_input, init) => {
      seen = init?.signal ?? undefined;
      throw new TypeError('connection refused');
    };
    const parent = new AbortController();
    const send = timedFetch(failing, 150)(
      new Request('http://stub.test/x', { signal: parent.signal }),
      {},
    );
    await expect(send).rejects.toThrow('connection refused');
    vi.advanceTimersByTime(1_000);
    parent.abort(new Error('late'));
    expect(seen?.aborted).toBe(false);
  });
});
