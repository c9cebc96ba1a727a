import type { Clock } from '@brace/core';
import { Deque } from './deque.js';
import { RateLimitOptionsError } from './errors.js';
import { DONE, Lane, Level, QUEUED, type Task } from './task.js';
import type { RateLimiterOptions } from './types.js';
import { noop, settleTask } from './util.js';

/**
 * @internal The queue half of the limiter: priority levels, each a round-robin ring of
 * per-key lanes; the enqueue-ordered deadline list; and the single wake-up timer.
 */
export abstract class QueueCore {
  queued = 0;
  running = 0;
  readonly levels: Level[] = [];
  readonly deadlines = new Deque<Task>();
  protected scanWake = Number.POSITIVE_INFINITY;
  private timerAt = Number.POSITIVE_INFINITY;
  private timer: AbortController | undefined;

  constructor(
    readonly opts: RateLimiterOptions,
    readonly clock: Clock,
    readonly cap: number,
    readonly maxWaitMs: number,
  ) {}

  /** Dispatches what can go now. */
  abstract drain(): void;

  /** Puts a task in its priority level's lane for its key (at the front when `front`). */
  protected pushTask(task: Task, front: boolean): void {
    let level: Level | undefined;
    const levels = this.levels;
    let i = 0;
    for (; i < levels.length; i++) {
      const l = levels[i] as Level;
      if (l.priority === task.priority) {
        level = l;
        break;
      }
      if (l.priority < task.priority) break;
    }
    if (level === undefined) {
      level = new Level(task.priority);
      levels.splice(i, 0, level);
    }
    let lane = level.byKey.get(task.key);
    if (lane === undefined) {
      const weight = this.opts.weight ? this.opts.weight(task.key) : 1;
      if (!Number.isSafeInteger(weight) || weight < 1) {
        if (level.lanes.size === 0) this.levels.splice(this.levels.indexOf(level), 1);
        throw new RateLimitOptionsError('weight(key)', 'an integer >= 1');
      }
      lane = new Lane(task.ks, weight);
      level.byKey.set(task.key, lane);
    }
    if (!lane.inLevel) {
      lane.inLevel = true;
      level.lanes.push(lane);
    }
    if (front) lane.tasks.unshift(task);
    else lane.tasks.push(task);
    task.lane = lane;
    task.state = QUEUED;
    lane.live++;
    task.ks.queued++;
    this.queued++;
  }

  /**
   * Puts a task a remote store refused back at the front of its lane, with its `maxWaitMs`
   * deadline (counted from its submission; a task refused on the fast path gets one now). A task
   * that cannot be queued (a bad `weight`) is rejected with that error, as at submission.
   */
  protected requeue(task: Task): void {
    try {
      this.pushTask(task, true);
    } catch (error) {
      task.state = DONE;
      task.signal?.removeEventListener('abort', task);
      task.reject(error);
      return;
    }
    if (this.maxWaitMs === Number.POSITIVE_INFINITY) return;
    if (task.deadline === Number.POSITIVE_INFINITY)
      task.deadline = task.enqueuedAt + this.maxWaitMs;
    // Deadlines stay sorted: the requeued one goes after those not later (usually none), and
    // entries of tasks no longer queued (its own old one included) are dropped on the way.
    const deadlines = this.deadlines;
    let before: Task[] | undefined;
    for (
      let t = deadlines.peek();
      t !== undefined && t.deadline <= task.deadline;
      t = deadlines.peek()
    ) {
      deadlines.shift();
      if (t.state !== QUEUED || t === task) continue;
      if (before === undefined) before = [t];
      else before.push(t);
    }
    deadlines.unshift(task);
    if (before !== undefined)
      for (let i = before.length - 1; i >= 0; i--) deadlines.unshift(before[i] as Task);
  }

  /** Takes a queued task out of the queue (it was dispatched, aborted or timed out). */
  unqueue(task: Task): void {
    const lane = task.lane as Lane;
    lane.live--;
    task.ks.queued--;
    this.queued--;
    if (lane.tasks.size > 64 && lane.live * 2 < lane.tasks.size)
      lane.tasks.filter((t) => t.state === QUEUED);
  }

  /**
   * Rejects queued tasks whose `maxWaitMs` has passed (deadlines are sorted). Entries of tasks
   * no longer queued are dropped, those acquiring too: a refused one is put back by `requeue`,
   * so a call in flight never holds up the deadlines behind it.
   */
  protected expire(now: number): void {
    const deadlines = this.deadlines;
    for (let task = deadlines.peek(); task !== undefined; task = deadlines.peek()) {
      if (task.state === QUEUED) {
        if (task.deadline > now) return;
        this.unqueue(task);
        settleTask(task, 'wait-timeout', this.maxWaitMs);
      }
      deadlines.shift();
    }
  }

  /** Arms the single timer for the earliest wake-up (a throttled key or a deadline). */
  protected arm(now: number): void {
    let wake =
      this.running < this.cap && this.queued > 0 ? this.scanWake : Number.POSITIVE_INFINITY;
    // The earliest deadline of a task still queued (the drain may have dispatched the first).
    const deadlines = this.deadlines;
    let first = deadlines.peek();
    while (first !== undefined && first.state !== QUEUED) {
      deadlines.shift();
      first = deadlines.peek();
    }
    if (first !== undefined && first.deadline < wake) wake = first.deadline;
    if (wake === Number.POSITIVE_INFINITY) {
      if (this.queued === 0 && this.timer !== undefined) {
        this.timer.abort();
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (this.timer !== undefined && this.timerAt <= wake) return;
    this.timer?.abort();
    const controller = new AbortController();
    this.timer = controller;
    this.timerAt = wake;
    this.clock.sleep(Math.max(0, wake - now), controller.signal).then(() => {
      if (this.timer !== controller) return;
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.drain();
    }, noop);
  }
}
