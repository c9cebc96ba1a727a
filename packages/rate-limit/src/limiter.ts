import { type Clock, systemClock } from '@brace/core';
import { adaptiveOf } from './adaptive.js';
import { Dispatcher, type DispatchOwner } from './dispatch.js';
import { RateLimitClearedError, RateLimitCostError, RateLimitOptionsError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { validateOptions } from './options.js';
import { Pacer } from './pacer.js';
import { enforcedPolicies, slackOf, spacingOf } from './pacing.js';
import { TaskQueue } from './queue.js';
import { RemoteAcquirer, type RemoteOwner } from './remote.js';
import { type SlotOwner, Slots } from './slots.js';
import {
  type AcquireResult,
  capacityOf,
  type PauseReason,
  type RateLimitPolicy,
  type RateLimitStore,
} from './store.js';
import { LimiterKey, QUEUED, settleTask, type Task } from './task.js';
import {
  DEFAULT_KEY,
  DEFAULT_MAX_PAUSE_MS,
  type RateLimiterOptions,
  type Release,
} from './types.js';
import { emit, noop, storePause } from './util.js';
import { IdleWaiters, WakeTimer } from './wake.js';

/**
 * @internal The limiter's dispatch engine, composing its parts: the queue (`TaskQueue`), the
 * slots and key states (`Slots`), remote acquiring (`RemoteAcquirer`), pacing (`Pacer`) and
 * the wake-up timer. It owns the drain — starting tasks in priority and round-robin order
 * when the store allows — and the throttling of keys. Admission (`schedule`, the fast path)
 * is `Admission`'s; the public surface is `LimiterHandle`'s.
 */
export class Limiter implements SlotOwner, RemoteOwner, DispatchOwner {
  readonly opts: RateLimiterOptions;
  readonly clock: Clock;
  readonly queue: TaskQueue;
  readonly slots: Slots;
  readonly remote: RemoteAcquirer;
  readonly pacer: Pacer;
  readonly store: RateLimitStore;
  /** The policies as given (what `limiter.policies` shows). */
  userPolicies: readonly RateLimitPolicy[];
  /** The policies as the store enforces them (windows widened by the safety margin). */
  policies: readonly RateLimitPolicy[];
  capacity: number;
  readonly maxQueue: number;
  /** `pause()`d by hand: nothing is dispatched until `resume()` (deadlines still expire). */
  paused = false;
  /** Whether queued tasks are acquired in batches (the store has `tryAcquireMany`). */
  readonly batching: boolean;
  /** Whether the store moves settled tasks' units (`windowFrom: 'settle'` and a `settle`). */
  readonly settles: boolean;
  private readonly margin: number;
  /** The smallest margin of a sliding-log policy: a task settled within it needs no settle. */
  private settleSlack: number;
  private readonly pacing: 'smooth' | 'burst';
  private readonly waiters = new IdleWaiters();
  private readonly timer: WakeTimer;
  private draining = false;
  private redrain = false;
  private readonly dispatcher: Dispatcher;

  constructor(options: RateLimiterOptions) {
    const v = validateOptions(options);
    this.opts = options;
    this.clock = options.clock ?? systemClock;
    const adaptive = adaptiveOf(options.adaptive, (option, expected) => {
      throw new RateLimitOptionsError(option, expected);
    });
    this.userPolicies = v.policies;
    this.margin = v.safetyMarginMs;
    this.pacing = v.pacing;
    this.policies = enforcedPolicies(v.policies, v.safetyMarginMs);
    this.capacity = capacityOf(v.policies);
    this.settleSlack = slackOf(v.policies, v.safetyMarginMs);
    this.maxQueue = v.maxQueue;
    this.store = options.store ?? memoryStore();
    this.batching = typeof this.store.tryAcquireMany === 'function';
    this.settles = v.windowFrom === 'settle' && typeof this.store.settle === 'function';
    this.queue = new TaskQueue(options.weight, v.maxWaitMs, () => this.notify());
    this.slots = new Slots(this, v.cap);
    this.remote = new RemoteAcquirer(this);
    this.pacer = new Pacer(options, adaptive, spacingOf(this.policies, v.pacing));
    this.dispatcher = new Dispatcher(this);
    this.timer = new WakeTimer(this.clock, () => this.drain());
  }

  get queued(): number {
    return this.queue.queued;
  }

  get running(): number {
    return this.slots.running;
  }

  whenEmpty(): Promise<void> {
    return this.waiters.whenEmpty(this.queue.queued);
  }

  whenIdle(): Promise<void> {
    return this.waiters.whenIdle(this.queue.queued, this.slots.running);
  }

  notify(): void {
    this.waiters.notify(this.queue.queued, this.slots.running);
  }

  // What a task needs of its limiter (`TaskOwner`), and the slots of theirs (`SlotOwner`).
  drop(task: Task): void {
    this.queue.drop(task);
  }
  done(ks: LimiterKey): void {
    this.slots.done(ks);
  }
  finished(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): void {
    this.slots.finished(ks, cost, grant, grantedAt);
  }
  settleLater(ks: LimiterKey, task: Task | undefined): void {
    this.slots.settleLater(ks, task);
  }
  releaser(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): Release {
    return this.slots.releaser(ks, cost, grant, grantedAt);
  }
  maybeForget(ks: LimiterKey): void {
    this.slots.maybeForget(ks);
  }
  unjoin(task: Task): void {
    this.remote.unjoin(task);
  }

  /**
   * Tells the store a granted task settled now (failures go to `onError`), unless it settled
   * within the safety margin of its grant: its units already count `margin` longer than a
   * window from the grant, so at least a window past its arrival (no round trip needed).
   */
  settleGrant(key: string, cost: number, grant: unknown, grantedAt: number): void {
    const now = this.clock.now();
    if (now - grantedAt <= this.settleSlack) return;
    const report = (error: unknown): void => {
      if (this.opts.onError) emit(this.opts.onError, { operation: 'settle', error });
    };
    try {
      const settle = this.store.settle as NonNullable<RateLimitStore['settle']>;
      const stored = settle(key, this.policies, cost, grant, grantedAt, now);
      if (stored !== undefined) stored.then(noop, report);
    } catch (error) {
      report(error);
    }
  }

  /** The local state of `key` (a key forgotten while paced keeps its pace). */
  keyState(key: string): LimiterKey {
    const slots = this.slots;
    if (key === DEFAULT_KEY) return slots.defaultKey;
    let ks = slots.keys.get(key);
    if (ks === undefined) {
      ks = new LimiterKey(key, this);
      ks.blockedUntil = this.pacer.heldUntil(key);
      slots.keys.set(key, ks);
    }
    return ks;
  }

  /** The local state of `key` if it has one. */
  knownKey(key: string): LimiterKey | undefined {
    return key === DEFAULT_KEY ? this.slots.defaultKey : this.slots.keys.get(key);
  }

  drain(): void {
    if (this.draining) {
      this.redrain = true;
      return;
    }
    this.draining = true;
    const queue = this.queue;
    const slots = this.slots;
    const remote = this.remote;
    const dispatcher = this.dispatcher;
    let now = 0;
    do {
      this.redrain = false;
      now = this.clock.now();
      if (queue.deadlines.size > 0) queue.expire(now);
      this.dispatcher.reset();
      queue.walking = true;
      while (
        !this.paused &&
        slots.running < slots.cap &&
        queue.queued > 0 &&
        dispatcher.next(now)
      ) {}
      queue.walking = false;
      if (remote.collecting.length > 0) remote.sendBatches(now);
    } while (this.redrain);
    this.draining = false;
    const waiting = !this.paused && slots.running < slots.cap && queue.queued > 0;
    const wake = Math.min(
      waiting ? this.dispatcher.wake : Number.POSITIVE_INFINITY,
      queue.firstDeadline(),
    );
    this.timer.arm(wake, now, queue.queued === 0);
    this.notify();
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
    const ks = this.knownKey(key);
    if (ks !== undefined) {
      this.block(ks, { ok: false, retryInMs: duration, policyIndex: -1, pause: reason }, now);
      this.drain();
    }
  }

  /** Rejects the queued tasks `which` selects with `error(task)`; returns how many. */
  private rejectQueued(which: (task: Task) => boolean, error: (task: Task) => unknown): number {
    const tasks: Task[] = [];
    for (const level of this.queue.levels) {
      for (const lane of level.byKey.values()) {
        for (const task of lane.tasks.toArray()) {
          if (task.state === QUEUED && which(task)) tasks.push(task);
        }
      }
    }
    for (const task of tasks) {
      this.queue.drop(task);
      settleTask(task, error === clearedError ? 'cleared' : 'cost', error(task));
    }
    return tasks.length;
  }

  /** Rejects every queued task with `RateLimitClearedError`; returns how many. */
  clearQueued(): number {
    const n = this.rejectQueued(everyTask, clearedError);
    this.drain();
    return n;
  }

  /**
   * Enforces `policies` from now on: keys held back by the old ones are tried again, and a
   * queued task whose cost no longer fits any policy is rejected with `RateLimitCostError`.
   */
  setPolicies(policies: readonly RateLimitPolicy[]): void {
    this.userPolicies = policies;
    this.policies = enforcedPolicies(policies, this.margin);
    this.pacer.spacing = spacingOf(this.policies, this.pacing);
    this.settleSlack = slackOf(policies, this.margin);
    const capacity = capacityOf(policies);
    this.capacity = capacity;
    this.rejectQueued(
      (task) => task.cost > capacity,
      (task) => new RateLimitCostError(task.cost, capacity),
    );
    this.slots.defaultKey.blockedUntil = 0;
    for (const ks of this.slots.keys.values()) ks.blockedUntil = 0;
    this.drain();
  }
}

function everyTask(): boolean {
  return true;
}

function clearedError(task: Task): unknown {
  return new RateLimitClearedError(task.key);
}
