import { describe, expect, it } from 'vitest';
import { shiftedClock } from './shifted-clock.js';

describe('shiftedClock', () => {
  it('follows the system clock until moved ahead, then stays that far ahead', () => {
    const clock = shiftedClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
    clock.advance(3_600_000);
    expect(clock.offsetMs).toBe(3_600_000);
    expect(clock.now() - Date.now()).toBeGreaterThan(3_599_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow('only moves ahead');
  });

  it('sleeps with a timer that does not hold the process, and rejects on abort', async () => {
    const clock = shiftedClock();
    await expect(clock.sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const pending = clock.sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(clock.sleep(10, aborted)).rejects.toThrow('already');
  });
});
