import { grantedBy } from './answer.js';
import { RateLimitStoreAnswerError } from './errors.js';
import type { Pacer } from './pacer.js';
import type { TaskQueue } from './queue.js';
import { MAX_BATCH, type RemoteAcquirer } from './remote.js';
import type { Slots } from './slots.js';
import type { AcquireResult, RateLimitPolicy, RateLimitStore } from './store.js';
import { isThenable, type Lane, type Level, type LimiterKey } from './task.js';

/** @internal What dispatching needs of the limiter that owns it. */
export interface DispatchOwner {
  readonly queue: TaskQueue;
  readonly slots: Slots;
  readonly remote: RemoteAcquirer;
  readonly pacer: Pacer;
  readonly store: RateLimitStore;
  readonly policies: readonly RateLimitPolicy[];
  /** Whether queued tasks are acquired in batches (the store has `tryAcquireMany`). */
  readonly batching: boolean;
  /** Holds a key back for the store's exact wait. */
  block(ks: LimiterKey, result: Extract<AcquireResult, { ok: false }>, now: number): void;
}

/**
 * @internal Dispatch: picks the next queued task to start — in priority order, round-robin
 * across the lanes of a priority (weighted by their credits) — skipping keys that are
 * throttled, paced or waiting for their calls, and asks the store for it.
 */
export class Dispatcher {
  /** The earliest time a throttled key seen since the last {@link Dispatcher.reset} frees. */
  wake = Number.POSITIVE_INFINITY;

  constructor(private readonly o: DispatchOwner) {}

  /** Starts a new walk of the queue. */
  reset(): void {
    this.wake = Number.POSITIVE_INFINITY;
  }

  /** Starts the next eligible task in priority order, round-robin across keys; false if none. */
  next(now: number): boolean {
    const levels = this.o.queue.levels;
    for (let li = 0; li < levels.length; li++) {
      const level = levels[li] as Level;
      const lanes = level.lanes;
      for (let tries = lanes.size; tries > 0; tries--) {
        const lane = lanes.peek() as Lane;
        const task = lane.head();
        if (task === undefined) {
          lanes.shift();
          lane.inLevel = false;
          level.byKey.delete(lane.id);
          continue;
        }
        // The task's key state: a lane outlives a key state forgotten while it was empty.
        const ks = task.ks;
        // A task that cannot join the key's calls closes them: it goes next once they land.
        const held = !ks.idle() && !ks.joins(task.cost, task.priority);
        if (held) ks.closed = true;
        if (
          ks.blockedUntil > now ||
          held ||
          (ks.batch !== undefined && ks.batch.length >= MAX_BATCH)
        ) {
          // A key waiting for a store's answer is drained again by that answer.
          if (ks.calls === 0 && ks.blockedUntil > now && ks.blockedUntil < this.wake)
            this.wake = ks.blockedUntil;
          lanes.shift();
          lanes.push(lane);
          continue;
        }
        let result: AcquireResult | Promise<AcquireResult> | undefined;
        if (!this.o.batching) {
          try {
            result = this.o.store.tryAcquire(ks.key, this.o.policies, task.cost, now);
            // A malformed synchronous answer fails the task like a malformed remote one.
            if (!isThenable(result) && grantedBy(result, 1) < 0) {
              result = Promise.reject(new RateLimitStoreAnswerError(ks.key, 1));
            }
          } catch (error) {
            // A store throwing instead of answering fails this task (as a rejected answer).
            result = Promise.reject(error);
          }
        }
        if (result !== undefined && (result as AcquireResult).ok === false) {
          this.o.block(ks, result as Extract<AcquireResult, { ok: false }>, now);
          if (ks.blockedUntil < this.wake) this.wake = ks.blockedUntil;
          lanes.shift();
          lanes.push(lane);
          continue;
        }
        lane.tasks.shift();
        this.o.queue.unqueue(task);
        this.o.pacer.pace(ks, task.cost, now);
        if (--lane.credits <= 0 || lane.live === 0) {
          lane.credits = lane.weight;
          lanes.shift();
          if (lane.live > 0) lanes.push(lane);
          else {
            lane.inLevel = false;
            level.byKey.delete(lane.id);
          }
        }
        if (result === undefined) this.o.remote.collect(task, now);
        else if ((result as AcquireResult).ok === true) {
          task.grant = (result as { grant?: unknown }).grant;
          this.o.slots.start(task, now);
        } else this.o.remote.acquireAsync(task, result as Promise<AcquireResult>, now);
        return true;
      }
      if (lanes.size === 0) {
        levels.splice(li, 1);
        li--;
      }
    }
    return false;
  }
}
