import type { Clock } from '@brace/core';
import { noop } from './util.js';

/**
 * @internal The limiter's single wake-up timer: one pending sleep at a time, for the earliest
 * moment something may change (a throttled key frees, a deadline passes).
 */
export class WakeTimer {
  private at = Number.POSITIVE_INFINITY;
  private timer: AbortController | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onWake: () => void,
  ) {}

  /**
   * Wakes at `wake` unless already due no later. Without a wake-up (`Infinity`), a pending
   * timer is cancelled when `cancel` (nothing is queued), otherwise left to fire.
   */
  arm(wake: number, now: number, cancel: boolean): void {
    if (wake === Number.POSITIVE_INFINITY) {
      if (cancel && this.timer !== undefined) {
        this.timer.abort();
        this.timer = undefined;
        this.at = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (this.timer !== undefined && this.at <= wake) return;
    this.timer?.abort();
    const controller = new AbortController();
    this.timer = controller;
    this.at = wake;
    this.clock.sleep(Math.max(0, wake - now), controller.signal).then(() => {
      if (this.timer !== controller) return;
      this.timer = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.onWake();
    }, noop);
  }
}

/** @internal Callers of `onEmpty()` / `onIdle()` waiting for the queue to empty / the limiter to idle. */
export class IdleWaiters {
  private empty: Array<() => void> | undefined;
  private idle: Array<() => void> | undefined;

  /** Resolves when nothing is queued (at once if so). */
  whenEmpty(queued: number): Promise<void> {
    if (queued === 0) return Promise.resolve();
    this.empty ??= [];
    const waiters = this.empty;
    return new Promise<void>((resolve) => {
      waiters.push(resolve);
    });
  }

  /** Resolves when nothing is queued or running (at once if so). */
  whenIdle(queued: number, running: number): Promise<void> {
    if (queued === 0 && running === 0) return Promise.resolve();
    this.idle ??= [];
    const waiters = this.idle;
    return new Promise<void>((resolve) => {
      waiters.push(resolve);
    });
  }

  /** Wakes the callers whose condition now holds. */
  notify(queued: number, running: number): void {
    if (queued > 0) return;
    const empty = this.empty;
    if (empty !== undefined) {
      this.empty = undefined;
      for (const resolve of empty) resolve();
    }
    const idle = this.idle;
    if (idle !== undefined && running === 0) {
      this.idle = undefined;
      for (const resolve of idle) resolve();
    }
  }
}
