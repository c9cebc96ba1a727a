import { contextOf, unwatchAbort } from './abort-watch.js';
import { Deque } from './deque.js';
import { RateLimitWaitTimeoutError } from './errors.js';
import type { RateLimiterOptions, RejectedEvent, Release } from './types.js';
import { emit } from './util.js';

/**
 * @internal What a task needs of its limiter (implemented by the engine, which sits above
 * this file: the task layer imports nothing of it).
 */
export interface TaskOwner {
  readonly opts: RateLimiterOptions;
  /** Takes a task that will never run out of the queue. */
  drop(task: Task): void;
  /** Dispatches what can go now. */
  drain(): void;
  /** Frees one slot of `ks`. */
  done(ks: LimiterKey): void;
  /** A granted task of `cost` settled asynchronously: tells the store, then frees its slot. */
  finished(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): void;
  /** Frees the slot of a task that returned synchronously, in a shared microtask. */
  settleLater(ks: LimiterKey, task: Task | undefined): void;
  /** The release function of an `acquire`. */
  releaser(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): Release;
  /** Forgets a key's local state once nothing of it is left. */
  maybeForget(ks: LimiterKey): void;
}

/** @internal Task states. */
export const QUEUED = 0;
/** @internal Waiting for a remote store's answer, holding a slot. */
export const ACQUIRING = 1;
/** @internal Dispatched. */
export const RUNNING = 2;
/** @internal Rejected or aborted. */
export const DONE = 3;

/** @internal The limiter's local view of one key (tenant / partition). */
export class LimiterKey {
  queued = 0;
  running = 0;
  blockedUntil = 0;
  /** Remote-store calls in flight for this key. */
  calls = 0;
  /** The tasks of those calls, in the order sent (created on the first call). */
  flight: Deque<Task> | undefined;
  /**
   * The cost and priority shared by every task of the key's batch and flight: set by the
   * first task collected while the key is idle (no batch, no call in flight).
   */
  flightCost = Number.NaN;
  flightPriority = Number.NaN;
  /**
   * Set when a queued task of the key could not join its calls (another cost or priority): no
   * further task joins them until they land, so that task is next (no starvation).
   */
  closed = false;
  /** Tasks collected in this drain for one batched remote acquire (stores with `tryAcquireMany`). */
  batch: Task[] | undefined;
  constructor(
    readonly key: string,
    readonly limiter: TaskOwner,
  ) {}

  /** Whether the key has neither a batch being collected nor a call in flight. */
  idle(): boolean {
    return this.calls === 0 && this.batch === undefined;
  }

  /**
   * Whether a task may join the key's batch or calls in flight: only one interchangeable with
   * them (same cost and priority), so answers can be given out oldest task first whatever call
   * got them, and only while no queued task of the key is waiting for them to land.
   */
  joins(cost: number, priority: number): boolean {
    return !this.closed && cost === this.flightCost && priority === this.flightPriority;
  }
}

/** @internal One key's FIFO at one priority level. */
export class Lane {
  readonly tasks = new Deque<Task>();
  live = 0;
  credits: number;
  inLevel = false;
  constructor(
    readonly id: string,
    readonly ks: LimiterKey,
    readonly weight: number,
    readonly level: Level,
  ) {
    this.credits = weight;
  }

  /** The first task still queued, dropping aborted / expired ones. */
  head(): Task | undefined {
    const tasks = this.tasks;
    for (let task = tasks.peek(); task !== undefined; task = tasks.peek()) {
      if (task.state === QUEUED) return task;
      tasks.shift();
    }
    return undefined;
  }
}

/** @internal The round-robin ring of lanes at one priority. */
export class Level {
  lanes = new Deque<Lane>();
  readonly byKey = new Map<string, Lane>();
  /** Tasks queued at this level. */
  live = 0;
  /** Lanes emptied by aborts and timeouts since the last compaction (an upper bound). */
  emptied = 0;
  constructor(readonly priority: number) {}
}

let capturedResolve: (value: unknown) => void;
let capturedReject: (error: unknown) => void;
/** A promise executor shared by every task: no closure allocated per task. */
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** Whether `value` may be a promise (has a callable `then`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** @internal One scheduled task or acquire (an `EventListener` for its signal's abort). */
export class Task {
  readonly promise: Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** A synchronous task's result, held until its slot is freed (a microtask later). */
  value: unknown;
  state = QUEUED;
  deadline = Number.POSITIVE_INFINITY;
  lane: Lane | undefined;
  /** Acquiring as a member of its key's batch or calls other than the first (see `Limiter.enqueue`). */
  joined = false;
  /** The fairness key (`tenant`), when it differs from the limit key. */
  tenant: string | undefined = undefined;
  /** What the store's grant carried (see `RateLimitStore.settle`). */
  grant: unknown = undefined;
  /** The limiter's time when the grant was asked or answered. */
  grantedAt = 0;

  constructor(
    readonly fn: ((context: { readonly signal: AbortSignal }) => unknown) | undefined,
    readonly cost: number,
    readonly priority: number,
    readonly signal: AbortSignal | undefined,
    readonly enqueuedAt: number,
    readonly ks: LimiterKey,
  ) {
    this.promise = new Promise(capture);
    this.resolve = capturedResolve;
    this.reject = capturedReject;
  }

  /** The task's key. */
  get key(): string {
    return this.ks.key;
  }

  /** Its lane: one per limit key, or per limit key and tenant (the fairness key). */
  get laneId(): string {
    return this.tenant === undefined ? this.ks.key : `${this.ks.key}\u0000${this.tenant}`;
  }

  /** The task's priority level (set while queued). */
  get level(): Level {
    return (this.lane as Lane).level;
  }

  /** The limiter the task belongs to. */
  get limiter(): TaskOwner {
    return this.ks.limiter;
  }

  /** The signal aborted: leave the queue at once and reject with its reason. */
  handleEvent(): void {
    const limiter = this.limiter;
    if (this.state === QUEUED) {
      limiter.drop(this);
      settleTask(this, 'aborted', (this.signal as AbortSignal).reason);
      limiter.drain();
    } else if (this.state === ACQUIRING) {
      // The slot is freed when the store answers; the task never runs.
      settleTask(this, 'aborted', (this.signal as AbortSignal).reason);
    }
  }

  /** Runs the task (or hands out the release function); frees the slot on every path. */
  run(): void {
    const limiter = this.limiter;
    const ks = this.ks;
    if (this.fn === undefined) {
      this.resolve(limiter.releaser(ks, this.cost, this.grant, this.grantedAt));
      return;
    }
    let out: unknown;
    try {
      out = this.fn(contextOf(this.signal));
    } catch (error) {
      limiter.done(ks);
      this.reject(error);
      return;
    }
    if (!isThenable(out)) {
      // Settled already: free the slot and resolve together in one shared microtask.
      this.value = out;
      limiter.settleLater(ks, this);
      return;
    }
    Promise.resolve(out).then(
      (value) => {
        limiter.finished(ks, this.cost, this.grant, this.grantedAt);
        this.resolve(value);
      },
      (error) => {
        limiter.finished(ks, this.cost, this.grant, this.grantedAt);
        this.reject(error);
      },
    );
  }
}

/** @internal Rejects a task that will never run. `detail` is the error, or maxWaitMs for a timeout. */
export function settleTask(task: Task, reason: RejectedEvent['reason'], detail: unknown): void {
  task.state = DONE;
  unwatchAbort(task.signal, task);
  const error =
    reason === 'wait-timeout' ? new RateLimitWaitTimeoutError(task.key, detail as number) : detail;
  const limiter = task.limiter;
  if (limiter.opts.onRejected) emit(limiter.opts.onRejected, { key: task.key, reason, error });
  task.reject(error);
  limiter.maybeForget(task.ks);
}
