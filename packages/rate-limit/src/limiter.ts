import { systemClock } from '@brace/core';
import { contextOf, watchAbort } from './abort-watch.js';
import { type AdaptiveRates, adaptiveOf } from './adaptive.js';
import { grantedBy } from './answer.js';
import {
  RateLimitClearedError,
  RateLimitCostError,
  RateLimitOptionsError,
  RateLimitQueueFullError,
  RateLimitStoreAnswerError,
} from './errors.js';
import { memoryStore } from './memory-store.js';
import { validateOptions } from './options.js';
import { enforcedPolicies, PaceBook, spacingOf } from './pacing.js';
import { MAX_BATCH } from './remote-core.js';
import { SlotCore } from './slots.js';
import {
  type AcquireResult,
  capacityOf,
  type PauseReason,
  type RateLimitPolicy,
  type RateLimitStore,
} from './store.js';
import { isThenable, type Lane, type Level, LimiterKey, QUEUED, settleTask, Task } from './task.js';
import {
  DEFAULT_KEY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_PRIORITY,
  type RateLimiterOptions,
  type ScheduleOptions,
} from './types.js';
import { emit, noop, storePause } from './util.js';

/**
 * @internal The limiter's dispatch engine: admission (the fast path, the queue), the drain
 * that starts tasks in priority and round-robin order when the store allows, and the
 * throttling of keys. The public surface is `LimiterHandle` (`handle.ts`).
 */
export class Limiter extends SlotCore {
  private draining = false;
  /** The policies as given (what `limiter.policies` shows). */
  userPolicies: readonly RateLimitPolicy[];
  /** The policies as the store enforces them (windows widened by the safety margin). */
  policies: readonly RateLimitPolicy[];
  /** Smooth pacing: ms between a key's starts per unit of cost (0: none). */
  spacing: number;
  private readonly margin: number;
  private readonly pacing: 'smooth' | 'burst';
  /** When each key may start next (pacing), kept beyond the key's local state. */
  readonly paces = new PaceBook();
  /** Server pacing per partition: at most one start per `spacing` ms until `until`. */
  readonly serverPaces = new Map<string, { spacing: number; until: number }>();
  /** Bare 429s in a row per partition (their pause doubles), reset by a success. */
  readonly backoffs = new Map<string, number>();
  /** Adaptive mode: each key's learnt rate (undefined when off). */
  readonly adaptive: AdaptiveRates | undefined;
  readonly store: RateLimitStore;
  readonly maxQueue: number;
  capacity: number;
  private redrain = false;
  /** Whether the store moves settled tasks' units (`windowFrom: 'settle'` and a `settle`). */
  protected readonly settles: boolean;
  /** Whether queued tasks are acquired in batches (the store has `tryAcquireMany`). */
  private readonly batching: boolean;
  /** Whether a queued task needs its enqueue time (for `onDispatch` or `maxWaitMs`). */
  private readonly timed: boolean;
  /**
   * Whether a task may join a key's batch or calls on the fast path: not with `maxWaitMs`,
   * whose deadline only a queued task gets (it then joins from the queue).
   */
  private readonly joinFast: boolean;

  constructor(options: RateLimiterOptions) {
    const v = validateOptions(options);
    super(options, options.clock ?? systemClock, v.cap, v.maxWaitMs);
    this.adaptive = adaptiveOf(options.adaptive, (option, expected) => {
      throw new RateLimitOptionsError(option, expected);
    });
    this.userPolicies = v.policies;
    this.margin = v.safetyMarginMs;
    this.pacing = v.pacing;
    this.policies = enforcedPolicies(v.policies, v.safetyMarginMs);
    this.spacing = spacingOf(this.policies, v.pacing);
    this.capacity = capacityOf(v.policies);
    this.maxQueue = v.maxQueue;
    this.store = options.store ?? memoryStore();
    this.batching = typeof this.store.tryAcquireMany === 'function';
    this.settles = v.windowFrom === 'settle' && typeof this.store.settle === 'function';
    this.timed = options.onDispatch !== undefined || v.maxWaitMs !== Number.POSITIVE_INFINITY;
    this.joinFast = v.maxWaitMs === Number.POSITIVE_INFINITY;
  }

  /** Runs `fn` (or, without one, hands out a release function) once admitted. */
  submit(
    fn: ((context: { readonly signal: AbortSignal }) => unknown) | undefined,
    options: ScheduleOptions | undefined,
  ): Promise<unknown> {
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
        if (cost > this.capacity)
          return this.refuse(key, 'cost', new RateLimitCostError(cost, this.capacity));
      }
      if (signal?.aborted) return this.refuse(key, 'aborted', signal.reason);
    }
    // Fast path: nothing waiting, a slot free, the store says yes right away.
    if (this.queued === 0 && this.running < this.cap && !this.paused) {
      const now = this.clock.now();
      const ks = this.keyState(key);
      if (
        ks.blockedUntil <= now &&
        (ks.idle() || (this.joinFast && this.joined < this.maxQueue && ks.joins(cost, priority)))
      ) {
        if (this.batching) {
          // A remote store: the key's tasks submitted in this tick go in one call.
          if (ks.batch !== undefined && ks.batch.length >= MAX_BATCH) this.sendBatches(now);
          const task = new Task(fn, cost, priority, signal, now, ks);
          task.tenant = tenant;
          if (signal !== undefined) watchAbort(signal, task);
          this.collect(task);
          this.pace(ks, cost, now);
          if (!this.flushQueued) {
            this.flushQueued = true;
            queueMicrotask(this.flush);
          }
          return task.promise;
        }
        let result: AcquireResult | Promise<AcquireResult>;
        try {
          result = this.store.tryAcquire(key, this.policies, cost, now);
        } catch (error) {
          // A store throwing instead of answering: a rejected promise, never a throw.
          this.maybeForget(ks);
          return this.refuse(key, 'store-error', error);
        }
        if ((result as AcquireResult | undefined)?.ok === true) {
          this.running++;
          ks.running++;
          if (this.spacing !== 0 || this.serverPaces.size > 0 || this.adaptive !== undefined) {
            this.pace(ks, cost, now);
          }
          if (this.opts.onDispatch) {
            emit(this.opts.onDispatch, { key, waitedMs: 0, running: this.running, queued: 0 });
          }
          const grant = (result as { grant?: unknown }).grant;
          if (fn === undefined) return Promise.resolve(this.releaser(ks, cost, grant, now));
          let out: unknown;
          try {
            out = fn(contextOf(signal));
          } catch (error) {
            this.done(ks);
            return Promise.reject(error);
          }
          if (isThenable(out))
            return Promise.resolve(out).finally(() => this.finished(ks, cost, grant, now));
          this.settleLater(ks, undefined);
          return Promise.resolve(out);
        }
        // A synchronous answer breaking the store contract fails like a malformed remote one.
        if (!isThenable(result) && grantedBy(result, 1) < 0) {
          this.maybeForget(ks);
          return this.refuse(key, 'store-error', new RateLimitStoreAnswerError(key, 1));
        }
        const task = new Task(fn, cost, priority, signal, now, ks);
        task.tenant = tenant;
        if (isThenable(result)) {
          if (signal !== undefined) watchAbort(signal, task);
          this.pace(ks, cost, now);
          this.acquireAsync(task, result as Promise<AcquireResult>);
          return task.promise;
        }
        this.block(ks, result as Extract<AcquireResult, { ok: false }>, now);
        return this.enqueue(task, now);
      }
    }
    // The enqueue time is only read by `onDispatch` and `maxWaitMs`: skip the clock otherwise.
    const now = this.timed ? this.clock.now() : 0;
    const task = new Task(fn, cost, priority, signal, now, this.keyState(key));
    task.tenant = tenant;
    return this.enqueue(task, now);
  }

  protected settleGrant(key: string, cost: number, grant: unknown, grantedAt: number): void {
    const report = (error: unknown): void => {
      if (this.opts.onError) emit(this.opts.onError, { operation: 'settle', error });
    };
    try {
      const now = this.clock.now();
      const stored = (this.store.settle as NonNullable<RateLimitStore['settle']>)(
        key,
        this.policies,
        cost,
        grant,
        grantedAt,
        now,
      );
      if (stored !== undefined) stored.then(noop, report);
    } catch (error) {
      report(error);
    }
  }

  private refuse(
    key: string,
    reason: 'queue-full' | 'aborted' | 'cost' | 'store-error',
    error: unknown,
  ): Promise<never> {
    if (this.opts.onRejected) emit(this.opts.onRejected, { key, reason, error });
    return Promise.reject(error);
  }

  keyState(key: string): LimiterKey {
    if (key === DEFAULT_KEY) return this.defaultKey;
    let ks = this.keys.get(key);
    if (ks === undefined) {
      ks = new LimiterKey(key, this);
      // A key forgotten while paced keeps its pace.
      if (this.paces.size > 0) ks.blockedUntil = this.paces.get(key);
      this.keys.set(key, ks);
    }
    return ks;
  }

  /**
   * Pacing: a task of `cost` starting now holds its key for `cost × spacing`, the larger of
   * the smooth spacing and a server's (while it lasts).
   */
  pace(ks: LimiterKey, cost: number, now: number): void {
    let spacing = this.spacing;
    if (this.adaptive !== undefined) spacing = Math.max(spacing, this.adaptive.spacing(ks.key));
    if (this.serverPaces.size > 0) {
      const server = this.serverPaces.get(ks.key);
      if (server !== undefined) {
        if (server.until <= now) this.serverPaces.delete(ks.key);
        else if (server.spacing > spacing) spacing = server.spacing;
      }
    }
    if (spacing === 0) return;
    // A start the timer made late by less than a spacing keeps the schedule (lateness does not
    // add up start after start); after a longer gap (an idle key), spacing counts from now.
    const held = ks.blockedUntil;
    const from = held <= now && now - held < spacing ? held : now;
    ks.blockedUntil = this.paces.hold(ks.key, Math.max(held, from + cost * spacing));
  }

  /** A server asked to slow down: at most one start of `key` per `spacing` ms until `until`. */
  paceKey(key: string, spacing: number, until: number, now: number): void {
    const paces = this.serverPaces;
    paces.delete(key);
    if (paces.size >= 10_000) paces.delete(paces.keys().next().value as string);
    paces.set(key, { spacing, until });
    const ks = key === DEFAULT_KEY ? this.defaultKey : this.keys.get(key);
    const next = this.paces.hold(key, Math.max(ks?.blockedUntil ?? 0, now + spacing));
    if (ks !== undefined) ks.blockedUntil = next;
    if (this.opts.onThrottled) {
      emit(this.opts.onThrottled, {
        key,
        waitMs: next - now,
        reason: 'server-pace',
        policyIndex: -1,
        spacingMs: spacing,
        durationMs: until - now,
      });
    }
  }

  /** Adaptive mode cut `key`'s rate (a 429): its starts are now spaced by the new rate. */
  adaptiveCut(key: string): void {
    if (this.opts.onThrottled === undefined) return;
    const spacingMs = (this.adaptive as AdaptiveRates).spacing(key);
    emit(this.opts.onThrottled, {
      key,
      waitMs: spacingMs,
      reason: 'adaptive',
      policyIndex: -1,
      spacingMs,
    });
  }

  /** Forgets a key's local state once nothing of it is queued or running. */
  maybeForget(ks: LimiterKey): void {
    if (ks.queued === 0 && ks.running === 0 && ks.calls === 0 && ks !== this.defaultKey) {
      this.keys.delete(ks.key);
    }
  }

  private enqueue(task: Task, now: number): Promise<unknown> {
    // Tasks that joined a key's calls count as queued: a refused one comes back to the queue.
    if (this.queued + this.joined >= this.maxQueue) {
      this.maybeForget(task.ks);
      return this.refuse(
        task.key,
        'queue-full',
        new RateLimitQueueFullError(task.key, this.maxQueue),
      );
    }
    try {
      this.pushTask(task, false);
    } catch (error) {
      this.maybeForget(task.ks);
      return Promise.reject(error);
    }
    if (this.maxWaitMs !== Number.POSITIVE_INFINITY) {
      task.deadline = now + this.maxWaitMs;
      this.deadlines.push(task);
    }
    if (task.signal !== undefined) watchAbort(task.signal, task);
    if (this.opts.onQueued) {
      emit(this.opts.onQueued, {
        key: task.key,
        priority: task.priority,
        cost: task.cost,
        queued: this.queued,
      });
    }
    // At the cap nothing can start until a slot frees (which drains): skip the drain unless a
    // deadline needs its timer.
    if (this.running < this.cap || this.deadlines.size > 0) this.drain();
    return task.promise;
  }

  drain(): void {
    if (this.draining) {
      this.redrain = true;
      return;
    }
    this.draining = true;
    let now = 0;
    do {
      this.redrain = false;
      now = this.clock.now();
      if (this.deadlines.size > 0) this.expire(now);
      this.scanWake = Number.POSITIVE_INFINITY;
      this.walking = true;
      while (!this.paused && this.running < this.cap && this.queued > 0 && this.dispatchOne(now)) {}
      this.walking = false;
      if (this.collecting.length > 0) this.sendBatches(now);
    } while (this.redrain);
    this.draining = false;
    this.arm(now);
    this.notify();
  }

  /** Starts the next eligible task in priority order, round-robin across keys; false if none. */
  private dispatchOne(now: number): boolean {
    const levels = this.levels;
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
          if (ks.calls === 0 && ks.blockedUntil > now && ks.blockedUntil < this.scanWake)
            this.scanWake = ks.blockedUntil;
          lanes.shift();
          lanes.push(lane);
          continue;
        }
        let result: AcquireResult | Promise<AcquireResult> | undefined;
        if (!this.batching) {
          try {
            result = this.store.tryAcquire(ks.key, this.policies, task.cost, now);
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
          this.block(ks, result as Extract<AcquireResult, { ok: false }>, now);
          if (ks.blockedUntil < this.scanWake) this.scanWake = ks.blockedUntil;
          lanes.shift();
          lanes.push(lane);
          continue;
        }
        lane.tasks.shift();
        this.unqueue(task);
        this.pace(ks, task.cost, now);
        if (--lane.credits <= 0 || lane.live === 0) {
          lane.credits = lane.weight;
          lanes.shift();
          if (lane.live > 0) lanes.push(lane);
          else {
            lane.inLevel = false;
            level.byKey.delete(lane.id);
          }
        }
        if (result === undefined) this.collect(task);
        else if ((result as AcquireResult).ok === true) {
          task.grant = (result as { grant?: unknown }).grant;
          this.start(task, now);
        } else this.acquireAsync(task, result as Promise<AcquireResult>);
        return true;
      }
      if (lanes.size === 0) {
        levels.splice(li, 1);
        li--;
      }
    }
    return false;
  }

  /** Marks a key throttled until the store's answer says it may try again. */
  block(ks: LimiterKey, result: Extract<AcquireResult, { ok: false }>, now: number): void {
    const until = now + result.retryInMs;
    if (until <= ks.blockedUntil) return;
    ks.blockedUntil = until;
    if (this.opts.onThrottled) {
      const reason = result.policyIndex >= 0 ? 'policy' : (result.pause as PauseReason);
      emit(this.opts.onThrottled, {
        key: ks.key,
        waitMs: result.retryInMs,
        reason,
        policyIndex: result.policyIndex,
      });
    }
  }

  /** Pauses `key` for `durationMs` (a server's pause: never shortened by a shorter one). */
  pauseKey(key: string, durationMs: number, reason: PauseReason): void {
    if (!(durationMs > 0)) return;
    const duration = Math.min(durationMs, this.opts.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS);
    const now = this.clock.now();
    storePause(this.store, this.opts, key, duration, reason, now);
    const ks = key === DEFAULT_KEY ? this.defaultKey : this.keys.get(key);
    if (ks !== undefined) {
      this.block(ks, { ok: false, retryInMs: duration, policyIndex: -1, pause: reason }, now);
      this.drain();
    }
  }

  /** Rejects every queued task with `RateLimitClearedError`; returns how many. */
  clearQueued(): number {
    const tasks: Task[] = [];
    for (const level of this.levels) {
      for (const lane of level.byKey.values()) {
        for (const task of lane.tasks.toArray()) if (task.state === QUEUED) tasks.push(task);
      }
    }
    for (const task of tasks) {
      this.drop(task);
      settleTask(task, 'cleared', new RateLimitClearedError(task.key));
    }
    this.drain();
    return tasks.length;
  }

  /**
   * Enforces `policies` from now on: keys held back by the old ones are tried again, and a
   * queued task whose cost no longer fits any policy is rejected with `RateLimitCostError`.
   */
  setPolicies(policies: readonly RateLimitPolicy[]): void {
    this.userPolicies = policies;
    this.policies = enforcedPolicies(policies, this.margin);
    this.spacing = spacingOf(this.policies, this.pacing);
    this.capacity = capacityOf(policies);
    const capacity = this.capacity;
    const tooCostly: Task[] = [];
    for (const level of this.levels) {
      for (const lane of level.byKey.values()) {
        for (const task of lane.tasks.toArray()) {
          if (task.state === QUEUED && task.cost > capacity) tooCostly.push(task);
        }
      }
    }
    for (const task of tooCostly) {
      this.drop(task);
      settleTask(task, 'cost', new RateLimitCostError(task.cost, capacity));
    }
    this.defaultKey.blockedUntil = 0;
    for (const ks of this.keys.values()) ks.blockedUntil = 0;
    this.drain();
  }
}
