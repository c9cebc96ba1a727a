import { unwatchAbort } from './abort-watch.js';
import { Deque } from './deque.js';
import { RateLimitOptionsError } from './errors.js';
import { DONE, Lane, Level, QUEUED, settleTask, type Task } from './task.js';
import type { RateLimiterOptions } from './types.js';

function isQueued(task: Task): boolean {
  return task.state === QUEUED;
}

/** Keeps only the lanes with queued tasks in a level's ring. */
function compactLevel(level: Level): void {
  const kept = new Deque<Lane>();
  for (let lane = level.lanes.shift(); lane !== undefined; lane = level.lanes.shift()) {
    if (lane.live > 0) kept.push(lane);
    else {
      lane.inLevel = false;
      level.byKey.delete(lane.id);
    }
  }
  level.lanes = kept;
  level.emptied = 0;
}

/**
 * @internal The limiter's queue: priority levels, each a round-robin ring of per-key lanes,
 * and the enqueue-ordered deadline list (`maxWaitMs`). It only holds tasks: what runs when is
 * the limiter's.
 */
export class TaskQueue {
  queued = 0;
  readonly levels: Level[] = [];
  readonly deadlines = new Deque<Task>();
  /** Whether a drain is walking the levels (their rings are then left as they are). */
  walking = false;

  constructor(
    private readonly weight: RateLimiterOptions['weight'],
    readonly maxWaitMs: number,
    /** Called when a dropped task leaves the queue empty. */
    private readonly onEmptied: () => void,
  ) {}

  /** Puts a task in its priority level's lane for its key (at the front when `front`). */
  pushTask(task: Task, front: boolean): void {
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
    const id = task.laneId;
    let lane = level.byKey.get(id);
    if (lane === undefined) {
      const weight = this.weight ? this.weight(task.tenant ?? task.key) : 1;
      if (!Number.isSafeInteger(weight) || weight < 1) {
        if (level.lanes.size === 0) this.levels.splice(this.levels.indexOf(level), 1);
        throw new RateLimitOptionsError('weight(key)', 'an integer >= 1');
      }
      lane = new Lane(id, task.ks, weight, level);
      level.byKey.set(id, lane);
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
    level.live++;
    task.ks.queued++;
    this.queued++;
  }

  /**
   * Puts a task a remote store refused back at the front of its lane, with its `maxWaitMs`
   * deadline (counted from its submission; a task refused on the fast path gets one now). A task
   * that cannot be queued (a bad `weight`) is rejected with that error, as at submission.
   */
  requeue(task: Task): void {
    try {
      this.pushTask(task, true);
    } catch (error) {
      task.state = DONE;
      unwatchAbort(task.signal, task);
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
    lane.level.live--;
    task.ks.queued--;
    this.queued--;
  }

  /**
   * Takes a task that will never run (aborted, timed out) out of the queue, and releases what
   * the queue held for it at once, whatever happens next: entries of tasks no longer queued
   * are compacted away once they are at least half of a lane, of a level's ring or of the
   * deadline list (each compaction removes at least half of what it walks: amortised O(1)
   * per task), and an emptied level leaves the queue. So 100,000 aborted tasks leave no
   * entry behind.
   */
  drop(task: Task): void {
    this.unqueue(task);
    if (this.queued === 0) this.onEmptied();
    task.state = DONE;
    const lane = task.lane as Lane;
    const level = lane.level;
    if (lane.live === 0) {
      lane.tasks.filter(isQueued);
      // A drain walking the levels cleans up behind itself: leave the rings alone then.
      if (this.walking) return;
      if (level.live === 0) this.removeLevel(level);
      else if (++level.emptied * 2 >= level.lanes.size) compactLevel(level);
    } else if (lane.live * 2 <= lane.tasks.size) lane.tasks.filter(isQueued);
    const deadlines = this.deadlines;
    if (deadlines.size > 0 && 2 * this.queued <= deadlines.size) deadlines.filter(isQueued);
  }

  /** Forgets a level with nothing queued: its lanes and their entries go with it. */
  private removeLevel(level: Level): void {
    const at = this.levels.indexOf(level);
    if (at >= 0) this.levels.splice(at, 1);
    for (let lane = level.lanes.shift(); lane !== undefined; lane = level.lanes.shift()) {
      lane.inLevel = false;
      lane.tasks.filter(isQueued);
    }
    level.byKey.clear();
    level.emptied = 0;
  }

  /**
   * Rejects queued tasks whose `maxWaitMs` has passed (deadlines are sorted). Entries of tasks
   * no longer queued are dropped, those acquiring too: a refused one is put back by `requeue`,
   * so a call in flight never holds up the deadlines behind it.
   */
  expire(now: number): void {
    const deadlines = this.deadlines;
    for (let task = deadlines.peek(); task !== undefined; task = deadlines.peek()) {
      if (task.state === QUEUED && task.deadline > now) return;
      deadlines.shift();
      if (task.state === QUEUED) {
        this.drop(task);
        settleTask(task, 'wait-timeout', this.maxWaitMs);
      }
    }
  }

  /** The earliest deadline of a task still queued (entries of others are dropped on the way). */
  firstDeadline(): number {
    const deadlines = this.deadlines;
    let first = deadlines.peek();
    while (first !== undefined && first.state !== QUEUED) {
      deadlines.shift();
      first = deadlines.peek();
    }
    return first === undefined ? Number.POSITIVE_INFINITY : first.deadline;
  }
}
