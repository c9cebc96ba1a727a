import type { Clock } from '@brace/core';
import { grantedBy, grantsIn, refusalIn } from './answer.js';
import { Deque } from './deque.js';
import { RateLimitStoreAnswerError } from './errors.js';
import type { TaskQueue } from './queue.js';
import type { Slots } from './slots.js';
import type { AcquireManyResult, AcquireResult, RateLimitPolicy, RateLimitStore } from './store.js';
import { ACQUIRING, type LimiterKey, settleTask, type Task } from './task.js';

/** Most tasks of one key sent in one batched remote acquire. */
export const MAX_BATCH = 64;

function costOf(task: Task): number {
  return task.cost;
}

function isAcquiring(task: Task): boolean {
  return task.state === ACQUIRING;
}

function isSettled(task: Task): boolean {
  return task.state !== ACQUIRING;
}

/** @internal What remote acquiring needs of the limiter that owns it. */
export interface RemoteOwner {
  readonly store: RateLimitStore;
  readonly policies: readonly RateLimitPolicy[];
  readonly clock: Clock;
  readonly queue: TaskQueue;
  readonly slots: Slots;
  /** Holds a key back for the store's exact wait. */
  block(ks: LimiterKey, result: Extract<AcquireResult, { ok: false }>, now: number): void;
  /** Dispatches what can go now. */
  drain(): void;
}

/**
 * @internal Acquiring from a remote store: tasks waiting for a store's answer hold their
 * slots; a key's ready tasks go in one call (`tryAcquireMany`); calls of interchangeable
 * tasks of a key may overlap, their answers handed out oldest task first.
 */
export class RemoteAcquirer {
  /** Keys with a batch being collected (in the current drain or tick). */
  readonly collecting: LimiterKey[] = [];
  /** Whether a microtask will send the batches collected on the fast path. */
  flushQueued = false;
  /** Tasks acquiring that joined a key's batch or calls (they count against `maxQueue`). */
  joined = 0;

  constructor(private readonly o: RemoteOwner) {}

  /** A remote store answers later (asked at `now`): the task holds its slot until the answer. */
  acquireAsync(task: Task, result: Promise<AcquireResult>, now: number): void {
    task.grantedAt = now;
    this.hold(task);
    this.sent(task.ks, [task]);
    result.then(
      (answer) => this.onResult(task.ks, 1, answer),
      (error) => this.onAnswerError(task.ks, 1, error),
    );
  }

  /**
   * A task waiting for the store's answer holds a slot. The first task of an idle key sets the
   * cost and priority every task of its batch and flight shares (see {@link LimiterKey.joins}).
   */
  private hold(task: Task): void {
    const ks = task.ks;
    if (ks.idle()) {
      ks.flightCost = task.cost;
      ks.flightPriority = task.priority;
    } else {
      task.joined = true;
      this.joined++;
    }
    task.state = ACQUIRING;
    this.o.slots.take(ks);
  }

  /** Adds a dispatched task to its key's batch; it holds a slot until the store answers. */
  collect(task: Task, now: number): void {
    task.grantedAt = now; // the call goes out in this drain or tick: no earlier than now
    this.hold(task);
    const ks = task.ks;
    if (ks.batch === undefined) {
      ks.batch = [task];
      this.collecting.push(ks);
    } else ks.batch.push(task);
  }

  /** Records a call sent for `tasks` (in order): they join the key's tasks in flight. */
  private sent(ks: LimiterKey, tasks: Task[]): void {
    ks.calls++;
    ks.flight ??= new Deque<Task>();
    const flight = ks.flight;
    for (let i = 0; i < tasks.length; i++) flight.push(tasks[i] as Task);
  }

  readonly flush = (): void => {
    this.flushQueued = false;
    if (this.collecting.length > 0) this.sendBatches(this.o.clock.now());
  };

  /** One store call per key for the tasks collected (in this drain or this tick). */
  sendBatches(now: number): void {
    const collecting = this.collecting;
    let freed = false;
    for (let i = 0; i < collecting.length; i++) {
      const ks = collecting[i] as LimiterKey;
      let tasks = ks.batch as Task[];
      ks.batch = undefined;
      if (tasks.some(isSettled)) {
        // Aborted before the call went out: free their slots now.
        for (const task of tasks) if (task.state !== ACQUIRING) this.uncount(task);
        freed = true;
        tasks = tasks.filter(isAcquiring);
        if (tasks.length === 0) {
          if (ks.calls === 0) ks.closed = false;
          this.o.slots.maybeForget(ks);
          continue;
        }
      }
      this.sent(ks, tasks);
      const n = tasks.length;
      let answer:
        | AcquireManyResult
        | AcquireResult
        | PromiseLike<AcquireManyResult | AcquireResult>;
      try {
        answer =
          n === 1
            ? this.o.store.tryAcquire(ks.key, this.o.policies, (tasks[0] as Task).cost, now)
            : (this.o.store.tryAcquireMany as NonNullable<RateLimitStore['tryAcquireMany']>)(
                ks.key,
                this.o.policies,
                tasks.map(costOf),
                now,
              );
      } catch (error) {
        answer = Promise.reject(error);
      }
      Promise.resolve(answer).then(
        (result) => this.onResult(ks, n, result),
        (error) => this.onAnswerError(ks, n, error),
      );
    }
    collecting.length = 0;
    // Freed slots may let queued tasks go (a drain in progress goes round again).
    if (freed && this.o.queue.queued > 0) this.o.drain();
  }

  /**
   * A call for `n` tasks of `ks` answered. A malformed answer (a custom store breaking its
   * contract) fails the call's tasks: the limiter never guesses what was charged.
   */
  private onResult(ks: LimiterKey, n: number, answer: AcquireManyResult | AcquireResult): void {
    const granted = grantedBy(answer, n);
    if (granted < 0) this.onAnswerError(ks, n, new RateLimitStoreAnswerError(ks.key, n));
    else this.onAnswer(ks, n, granted, refusalIn(answer), grantsIn(answer));
  }

  /**
   * A call for `n` tasks of `ks` answered: `granted` of them were charged. The tasks in a key's
   * batch and flight are interchangeable (same cost and priority: see {@link LimiterKey.joins}), so
   * grants go to the oldest tasks in flight and refusals to the youngest: the key's order
   * stays FIFO whatever call got which answer. A refused task goes back to the front of its
   * lane and the key waits the store's exact wait.
   */
  private onAnswer(
    ks: LimiterKey,
    n: number,
    granted: number,
    refused: Extract<AcquireResult, { ok: false }> | undefined,
    grantTokens: readonly unknown[] | undefined,
  ): void {
    ks.calls--;
    const now = this.o.clock.now();
    const flight = ks.flight as Deque<Task>;
    let grants = granted;
    let refusals = n - granted;
    // Grants go to the oldest live tasks (aborted ones are dropped on the way). They start only
    // once the books are straight: a task's function may submit more tasks of this key.
    let first: Task | undefined;
    let more: Task[] | undefined;
    let g = 0;
    while (grants > 0 && flight.size > 0) {
      const task = flight.shift() as Task;
      if (task.state !== ACQUIRING) this.uncount(task);
      else {
        // Grants are interchangeable (the call's tasks share one cost): each takes the next.
        if (grantTokens !== undefined) task.grant = grantTokens[g++];
        grants--;
        if (first === undefined) first = task;
        else if (more === undefined) more = [task];
        else more.push(task);
      }
    }
    // Refusals send the youngest live tasks back to the front of their lanes.
    while (refusals > 0 && flight.size > 0) {
      const task = flight.pop() as Task;
      this.uncount(task);
      if (task.state === ACQUIRING) {
        refusals--;
        this.o.queue.requeue(task);
      }
    }
    if (ks.calls === 0) this.land(ks);
    if (refused !== undefined) this.o.block(ks, refused, now);
    // A task's function (or an `on*` callback) may abort a granted sibling: it never runs, and
    // its slot is freed (its grant is not passed on: it stays charged, as for any abort).
    if (first !== undefined) {
      this.startGranted(first, now);
      if (more !== undefined) for (const task of more) this.startGranted(task, now);
    }
    this.o.slots.maybeForget(ks);
    this.o.drain();
  }

  /** Starts a granted task unless it was aborted since its grant. */
  private startGranted(task: Task, now: number): void {
    if (task.state === ACQUIRING) this.o.slots.start(task, now);
    else this.uncount(task);
  }

  /** A call failed: as many tasks in flight (the youngest) reject with the store's error. */
  private onAnswerError(ks: LimiterKey, n: number, error: unknown): void {
    ks.calls--;
    const flight = ks.flight as Deque<Task>;
    const failed: Task[] = [];
    while (n > 0 && flight.size > 0) {
      const task = flight.pop() as Task;
      this.uncount(task);
      if (task.state === ACQUIRING) {
        n--;
        failed.push(task);
      }
    }
    if (ks.calls === 0) this.land(ks);
    for (const task of failed) settleTask(task, 'store-error', error);
    this.o.slots.maybeForget(ks);
    this.o.drain();
  }

  /** No call is in flight any more: tasks left in flight (aborted ones) free their slots. */
  private land(ks: LimiterKey): void {
    const flight = ks.flight as Deque<Task>;
    for (let task = flight.shift(); task !== undefined; task = flight.shift()) {
      this.uncount(task);
      /* c8 ignore next -- every live task got an answer: only aborted ones are left */
      if (task.state === ACQUIRING) this.o.queue.pushTask(task, true);
    }
    // Nothing left to wait for: a task held back by these calls may go.
    if (ks.batch === undefined) ks.closed = false;
  }

  /** A task acquiring stops counting as joined (it runs, or leaves its calls). */
  unjoin(task: Task): void {
    if (task.joined) {
      task.joined = false;
      this.joined--;
    }
  }

  /** A task stops holding the slot it held while acquiring. */
  private uncount(task: Task): void {
    this.unjoin(task);
    this.o.slots.give(task.ks);
  }
}
