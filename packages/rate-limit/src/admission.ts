import { contextOf, watchAbort } from './abort-watch.js';
import { grantedBy } from './answer.js';
import {
  RateLimitCostError,
  RateLimitOptionsError,
  RateLimitQueueFullError,
  RateLimitStoreAnswerError,
} from './errors.js';
import type { Limiter } from './limiter.js';
import { MAX_BATCH } from './remote.js';
import type { AcquireResult } from './store.js';
import { isThenable, Task } from './task.js';
import { DEFAULT_KEY, DEFAULT_PRIORITY, type ScheduleOptions } from './types.js';
import { emit } from './util.js';

/**
 * @internal Admission: what `schedule` and `acquire` do with a new task — validate it, start it
 * at once when nothing waits, a slot is free and the store says yes (the fast path), or
 * queue it for the limiter's drain.
 */
export class Admission {
  /** Whether a queued task needs its enqueue time (for `onDispatch` or `maxWaitMs`). */
  private readonly timed: boolean;
  /**
   * Whether a task may join a key's batch or calls on the fast path: not with `maxWaitMs`,
   * whose deadline only a queued task gets (it then joins from the queue).
   */
  private readonly joinFast: boolean;

  constructor(private readonly e: Limiter) {
    const maxWaitMs = e.queue.maxWaitMs;
    this.timed = e.opts.onDispatch !== undefined || maxWaitMs !== Number.POSITIVE_INFINITY;
    this.joinFast = maxWaitMs === Number.POSITIVE_INFINITY;
  }

  /** Runs `fn` (or, without one, hands out a release function) once admitted. */
  submit(
    fn: ((context: { readonly signal: AbortSignal }) => unknown) | undefined,
    options: ScheduleOptions | undefined,
  ): Promise<unknown> {
    const e = this.e;
    let key = DEFAULT_KEY;
    let cost = 1;
    let priority = DEFAULT_PRIORITY;
    let signal: AbortSignal | undefined;
    let tenant: string | undefined;
    if (options !== undefined) {
      if (options.key !== undefined) key = options.key;
      tenant = options.tenant;
      if (options.priority !== undefined) priority = options.priority;
      signal = options.signal;
      if (options.cost !== undefined) {
        cost = options.cost;
        if (typeof cost !== 'number' || !(cost > 0) || !Number.isFinite(cost)) {
          return Promise.reject(new RateLimitOptionsError('cost', 'a finite number > 0'));
        }
        if (cost > e.capacity)
          return this.refuse(key, 'cost', new RateLimitCostError(cost, e.capacity));
      }
      if (signal?.aborted) return this.refuse(key, 'aborted', signal.reason);
    }
    const slots = e.slots;
    const remote = e.remote;
    // Fast path: nothing waiting, a slot free, the store says yes right away.
    if (e.queue.queued === 0 && slots.running < slots.cap && !e.paused) {
      const now = e.clock.now();
      const ks = e.keyState(key);
      if (
        ks.blockedUntil <= now &&
        (ks.idle() || (this.joinFast && remote.joined < e.maxQueue && ks.joins(cost, priority)))
      ) {
        if (e.batching) {
          // A remote store: the key's tasks submitted in this tick go in one call.
          if (ks.batch !== undefined && ks.batch.length >= MAX_BATCH) remote.sendBatches(now);
          const task = new Task(fn, cost, priority, signal, now, ks);
          task.tenant = tenant;
          if (signal !== undefined) watchAbort(signal, task);
          remote.collect(task, now);
          e.pacer.pace(ks, cost, now);
          if (!remote.flushQueued) {
            remote.flushQueued = true;
            queueMicrotask(remote.flush);
          }
          return task.promise;
        }
        let result: AcquireResult | Promise<AcquireResult>;
        try {
          result = e.store.tryAcquire(key, e.policies, cost, now);
        } catch (error) {
          // A store throwing instead of answering: a rejected promise, never a throw.
          slots.maybeForget(ks);
          return this.refuse(key, 'store-error', error);
        }
        if ((result as AcquireResult | undefined)?.ok === true) {
          slots.take(ks);
          if (e.pacer.active) e.pacer.pace(ks, cost, now);
          if (e.opts.onDispatch) {
            emit(e.opts.onDispatch, { key, waitedMs: 0, running: slots.running, queued: 0 });
          }
          const grant = (result as { grant?: unknown }).grant;
          if (fn === undefined) return Promise.resolve(slots.releaser(ks, cost, grant, now));
          let out: unknown;
          try {
            out = fn(contextOf(signal));
          } catch (error) {
            slots.done(ks);
            return Promise.reject(error);
          }
          if (isThenable(out))
            return Promise.resolve(out).finally(() => slots.finished(ks, cost, grant, now));
          slots.settleLater(ks, undefined);
          return Promise.resolve(out);
        }
        // A synchronous answer breaking the store contract fails like a malformed remote one.
        if (!isThenable(result) && grantedBy(result, 1) < 0) {
          slots.maybeForget(ks);
          return this.refuse(key, 'store-error', new RateLimitStoreAnswerError(key, 1));
        }
        const task = new Task(fn, cost, priority, signal, now, ks);
        task.tenant = tenant;
        if (isThenable(result)) {
          if (signal !== undefined) watchAbort(signal, task);
          e.pacer.pace(ks, cost, now);
          remote.acquireAsync(task, result as Promise<AcquireResult>, now);
          return task.promise;
        }
        e.block(ks, result as Extract<AcquireResult, { ok: false }>, now);
        return this.enqueue(task, now);
      }
    }
    // The enqueue time is only read by `onDispatch` and `maxWaitMs`: skip the clock otherwise.
    const now = this.timed ? e.clock.now() : 0;
    const task = new Task(fn, cost, priority, signal, now, e.keyState(key));
    task.tenant = tenant;
    return this.enqueue(task, now);
  }

  private refuse(
    key: string,
    reason: 'queue-full' | 'aborted' | 'cost' | 'store-error',
    error: unknown,
  ): Promise<never> {
    const onRejected = this.e.opts.onRejected;
    if (onRejected) emit(onRejected, { key, reason, error });
    return Promise.reject(error);
  }

  private enqueue(task: Task, now: number): Promise<unknown> {
    const e = this.e;
    const queue = e.queue;
    // Tasks that joined a key's calls count as queued: a refused one comes back to the queue.
    if (queue.queued + e.remote.joined >= e.maxQueue) {
      e.slots.maybeForget(task.ks);
      return this.refuse(task.key, 'queue-full', new RateLimitQueueFullError(task.key, e.maxQueue));
    }
    try {
      queue.pushTask(task, false);
    } catch (error) {
      e.slots.maybeForget(task.ks);
      return Promise.reject(error);
    }
    if (queue.maxWaitMs !== Number.POSITIVE_INFINITY) {
      task.deadline = now + queue.maxWaitMs;
      queue.deadlines.push(task);
    }
    if (task.signal !== undefined) watchAbort(task.signal, task);
    if (e.opts.onQueued) {
      emit(e.opts.onQueued, {
        key: task.key,
        priority: task.priority,
        cost: task.cost,
        queued: queue.queued,
      });
    }
    // At the cap nothing can start until a slot frees (which drains): skip the drain unless a
    // deadline needs its timer.
    if (e.slots.running < e.slots.cap || queue.deadlines.size > 0) e.drain();
    return task.promise;
  }
}
