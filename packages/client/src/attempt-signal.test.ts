import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attemptSignal } from './attempt-signal.js';

describe('attemptSignal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with a TimeoutError after ms, not before', () => {
    const signal = attemptSignal(new AbortController().signal, 100);
    vi.advanceTimersByTime(99);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts with the parent's reason when the parent aborts, first or later", () => {
    const parent = new AbortController();
    const signal = attemptSignal(parent.signal, 100);
    const reason = new Error('caller gave up');
    parent.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    vi.advanceTimersByTime(200);
    expect(signal.reason).toBe(reason);

    const already = attemptSignal(parent.signal, 100);
    expect(already.aborted).toBe(true);
    expect(already.reason).toBe(reason);
  });

  it('does not keep a Node process alive: the shared timer is unreferenced', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    // A duration no other test uses: its list arms its timer now.
    const signal = attemptSignal(new AbortController().signal, 61_234);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    expect(signal.aborted).toBe(false);
    spy.mockRestore();
  });

  it('many attempts of one duration share one timer, and each expires in turn', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const first = attemptSignal(new AbortController().signal, 300);
    vi.advanceTimersByTime(100);
    const second = attemptSignal(new AbortController().signal, 300);
    const third = attemptSignal(new AbortController().signal, 300);
    expect(spy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect([first.aborted, second.aborted, third.aborted]).toEqual([true, false, false]);
    vi.advanceTimersByTime(99);
    expect(second.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect([second.aborted, third.aborted]).toEqual([true, true]);
    spy.mockRestore();
  });
});
