import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { armDeadline, deadlineEntries, type Expiring, endDeadline } from './deadlines.js';

const target = (onExpire: () => void = () => {}): Expiring & { fired: number } => {
  const t = {
    fired: 0,
    seq: 0,
    slot: -1,
    list: undefined,
    expire() {
      t.fired++;
      onExpire();
    },
  };
  return t;
};

describe('shared deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an ended deadline never fires; a re-armed one fires once, ms after the re-arm', () => {
    const ended = target();
    const rearmed = target();
    armDeadline(ended, 500);
    armDeadline(rearmed, 500);
    endDeadline(ended);
    endDeadline(ended); // twice is harmless
    vi.advanceTimersByTime(300);
    armDeadline(rearmed, 500);
    vi.advanceTimersByTime(200);
    expect([ended.fired, rearmed.fired]).toEqual([0, 0]);
    vi.advanceTimersByTime(299);
    expect(rearmed.fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect([ended.fired, rearmed.fired]).toEqual([0, 1]);
    vi.advanceTimersByTime(5_000);
    expect(rearmed.fired).toBe(1);
  });

  it('a throwing expiry does not stop the others; one may arm again from inside its expiry', () => {
    const again = target();
    const thrower = target(() => {
      armDeadline(again, 700);
      throw new Error('listener');
    });
    const after = target();
    armDeadline(thrower, 700);
    armDeadline(after, 700);
    vi.advanceTimersByTime(700);
    expect([thrower.fired, after.fired, again.fired]).toEqual([1, 1, 0]);
    vi.advanceTimersByTime(700);
    expect(again.fired).toBe(1);
  });

  it('many ended deadlines are compacted away and the live ones still fire in order', () => {
    const live: Array<Expiring & { fired: number }> = [];
    for (let i = 0; i < 5_000; i++) {
      const t = target();
      armDeadline(t, 900);
      if (i % 100 === 0) live.push(t);
      else endDeadline(t);
      vi.advanceTimersByTime(0);
    }
    vi.advanceTimersByTime(900);
    expect(live.every((t) => t.fired === 1)).toBe(true);
  });

  it('deadlines ended last in are dropped at once; one ended earlier waits for the tail', () => {
    for (let i = 0; i < 1_000; i++) {
      const t = target();
      armDeadline(t, 1_300);
      armDeadline(t, 1_300); // re-armed, as an attempt is for its body
      endDeadline(t);
    }
    expect(deadlineEntries(1_300)).toBe(0);
    const first = target();
    const second = target();
    armDeadline(first, 1_300);
    armDeadline(second, 1_300);
    endDeadline(first);
    expect(deadlineEntries(1_300)).toBe(2);
    endDeadline(second);
    expect(deadlineEntries(1_300)).toBe(0);
    const live = target();
    armDeadline(live, 1_300);
    vi.advanceTimersByTime(1_300);
    expect([first.fired, second.fired, live.fired]).toEqual([0, 0, 1]);
  });

  it('a timer lost with swapped-out fake timers is armed afresh', () => {
    const lost = target();
    armDeadline(lost, 1_100);
    vi.useRealTimers();
    vi.useFakeTimers({ now: Date.now() + 5_000 });
    const next = target();
    armDeadline(next, 1_100);
    vi.advanceTimersByTime(1_100);
    expect([lost.fired, next.fired]).toEqual([1, 1]);
  });
});
