import { Deque } from './deque.js';
import type { Limiter } from './limiter.js';
import { settleTask } from './util.js';

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
  /** A remote-store acquire is in flight for this key; keeps its order strict. */
  acquiring = false;
  constructor(readonly key: string) {}
}

/** @internal One key's FIFO at one priority level. */
export class Lane {
  readonly tasks = new Deque<Task>();
  live = 0;
  credits: number;
  inLevel = false;
  constructor(
    readonly ks: LimiterKey,
    readonly weight: number,
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
  readonly lanes = new Deque<Lane>();
  readonly byKey = new Map<string, Lane>();
  constructor(readonly priority: number) {}
}

/** @internal One scheduled task or acquire (an `EventListener` for its signal's abort). */
export class Task {
  readonly promise: Promise<unknown>;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  state = QUEUED;
  deadline = Number.POSITIVE_INFINITY;
  lane: Lane | undefined;
  /** Whether `running` already counts this task (it holds a slot while acquiring). */
  counted = false;

  constructor(
    readonly limiter: Limiter,
    readonly fn: (() => unknown) | undefined,
    readonly key: string,
    readonly cost: number,
    readonly priority: number,
    readonly signal: AbortSignal | undefined,
    readonly enqueuedAt: number,
    readonly ks: LimiterKey,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The signal aborted: leave the queue at once and reject with its reason. */
  handleEvent(): void {
    const limiter = this.limiter;
    if (this.state === QUEUED) {
      limiter.unqueue(this);
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
      this.resolve(limiter.releaser(ks));
      return;
    }
    let out: unknown;
    try {
      out = this.fn();
    } catch (error) {
      limiter.done(ks);
      this.reject(error);
      return;
    }
    Promise.resolve(out).then(
      (value) => {
        limiter.done(ks);
        this.resolve(value);
      },
      (error) => {
        limiter.done(ks);
        this.reject(error);
      },
    );
  }
}
