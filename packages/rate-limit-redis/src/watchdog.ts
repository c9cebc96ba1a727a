import { type Clock, systemClock } from '@brace/core';

/** @internal One guarded call: settled by its answer or by the watchdog, whichever comes first. */
class Pending {
  done = false;
  constructor(
    readonly deadline: number,
    readonly fail: (error: unknown) => void,
  ) {}
}

/**
 * @internal Times out Redis calls without a timer per call: calls are kept in start order
 * (so in deadline order, every call having the same timeout), and one timer is armed for the
 * oldest unsettled call's deadline. With the system clock the timer is `unref`'d, so it never
 * keeps a process alive.
 */
export class Watchdog {
  private readonly queue: Pending[] = [];
  private head = 0;
  private armed = false;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Resolves with `onValue(answer)` or, when `work` rejects or is slower than the timeout,
   * with `onError(error)` (which may throw to reject, or return a promise to follow).
   */
  guard<T>(
    work: Promise<unknown>,
    onValue: (answer: unknown) => T,
    onError: (error: unknown) => T | Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (error: unknown) => {
        try {
          resolve(onError(error));
        } catch (thrown) {
          reject(thrown);
        }
      };
      const pending = new Pending(this.clock.now() + this.timeoutMs, settle);
      this.queue.push(pending);
      if (!this.armed) this.arm(this.timeoutMs);
      work.then(
        (answer) => {
          if (pending.done) return;
          pending.done = true;
          this.trim();
          try {
            resolve(onValue(answer));
          } catch (thrown) {
            settle(thrown);
          }
        },
        (error: unknown) => {
          if (pending.done) return;
          pending.done = true;
          this.trim();
          settle(error);
        },
      );
    });
  }

  /** Drops settled calls from the front. */
  private trim(): void {
    const queue = this.queue;
    let head = this.head;
    while (head < queue.length && (queue[head] as Pending).done) head++;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.head = head;
  }

  private arm(delayMs: number): void {
    this.armed = true;
    if (this.clock === systemClock) {
      // The verdict waits one more turn of the event loop (setImmediate runs after the I/O
      // poll): after a stall of this process (GC, a busy loop, a loaded machine) the timer and
      // Redis's reply are due together, and the timers phase comes first, so without this a
      // reply already sitting in the socket would be declared a timeout.
      const timer = setTimeout(() => setImmediate(this.fire), delayMs) as { unref?: () => void };
      timer.unref?.();
    } else {
      this.clock.sleep(delayMs).then(() => this.fire());
    }
  }

  /** Fails every call past its deadline, then re-arms for the oldest one left. */
  private readonly fire = (): void => {
    this.armed = false;
    const now = this.clock.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const pending = queue[this.head] as Pending;
      if (!pending.done) {
        if (pending.deadline > now) break;
        pending.done = true;
        pending.fail(new Error(`Redis did not answer within ${this.timeoutMs} ms`));
      }
      this.head++;
    }
    this.trim();
    if (this.head < queue.length) this.arm((queue[this.head] as Pending).deadline - now);
  };
}
