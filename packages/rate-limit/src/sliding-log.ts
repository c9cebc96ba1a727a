/**
 * The resolution of the clock the log is kept with (`Date.now()`: whole milliseconds). A start
 * stamped `t` happened somewhere in `[t, t + 1)`, so an entry leaves the window only once
 * `intervalMs + CLOCK_TICK_MS` have passed: otherwise two bursts stamped exactly `intervalMs`
 * apart can be 999.x ms apart in real time, and an observer (the provider) counts both in
 * one rolling window.
 */
export const CLOCK_TICK_MS = 1;

/**
 * @internal A sliding log, run-length encoded: one entry per distinct start millisecond, so memory is
 * bounded by min(limit, intervalMs) entries and a burst of starts in one ms costs one entry.
 */
export class SlidingLog {
  times: number[] = [];
  counts: number[] = [];
  head = 0;
  used = 0;

  expire(now: number, intervalMs: number): void {
    const { times, counts } = this;
    let head = this.head;
    const edge = now - intervalMs - CLOCK_TICK_MS;
    while (head < times.length && (times[head] as number) <= edge) {
      this.used -= counts[head] as number;
      head++;
    }
    if (head > 64 && head * 2 > times.length) {
      times.splice(0, head);
      counts.splice(0, head);
      head = 0;
    }
    this.head = head;
  }

  /** ms until `cost` more fits; 0 when it fits now. Call after `expire`. */
  waitFor(cost: number, limit: number, intervalMs: number, now: number): number {
    let excess = this.used + cost - limit;
    if (excess <= 0) return 0;
    const { times, counts } = this;
    for (let i = this.head; i < times.length; i++) {
      excess -= counts[i] as number;
      if (excess <= 0) return (times[i] as number) + intervalMs + CLOCK_TICK_MS - now;
    }
    /* c8 ignore next -- unreachable: cost <= limit is checked by the limiter */
    return intervalMs;
  }

  /**
   * Moves `cost` units granted at `grantedAt` to `now` (a task settled): they count from now.
   * Units no longer in the window (a task that ran longer than it) are left alone.
   */
  restamp(cost: number, grantedAt: number, now: number): void {
    const { times, counts } = this;
    let lo = this.head;
    let hi = times.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = times[mid] as number;
      if (t === grantedAt) {
        const moved = Math.min(cost, counts[mid] as number);
        counts[mid] = (counts[mid] as number) - moved;
        this.used -= moved;
        this.charge(moved, now);
        return;
      }
      if (t < grantedAt) lo = mid + 1;
      else hi = mid - 1;
    }
  }

  charge(cost: number, now: number): void {
    const last = this.times.length - 1;
    if (last >= this.head && this.times[last] === now)
      this.counts[last] = (this.counts[last] as number) + cost;
    else {
      this.times.push(now);
      this.counts.push(cost);
    }
    this.used += cost;
  }
}
