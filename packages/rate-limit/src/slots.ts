import { unwatchAbort } from './abort-watch.js';
import { ACQUIRING, LimiterKey, RUNNING, type Task, type TaskOwner } from './task.js';
import { DEFAULT_KEY, type Release } from './types.js';
import { emit } from './util.js';

/** @internal What the slots need of the limiter that owns them. */
export interface SlotOwner extends TaskOwner {
  /** Tasks queued now. */
  readonly queued: number;
  /** Wakes `onEmpty()` / `onIdle()` callers whose condition now holds. */
  notify(): void;
  /** Whether the store moves settled tasks' units (`windowFrom: 'settle'` and a `settle`). */
  readonly settles: boolean;
  /** Tells the store a granted task settled now. */
  settleGrant(key: string, cost: number, grant: unknown, grantedAt: number): void;
  /** A task acquiring stops counting as joined to its key's calls. */
  unjoin(task: Task): void;
}

/**
 * @internal The limiter's slots and the local state of its keys: a dispatched task holds one
 * slot until it settles, on every path (success, error, abort, release function), and a key's
 * local state is forgotten once it holds and waits for nothing. Synchronous tasks free theirs
 * in one shared microtask.
 */
export class Slots {
  /** Slots held: tasks running, and tasks waiting for a remote store's answer. */
  running = 0;
  /** Local state of the keys that hold, wait for or acquire something. */
  readonly keys = new Map<string, LimiterKey>();
  /** The default key's state stays, so the common keyless fast path does no map work. */
  readonly defaultKey: LimiterKey;
  /** Slots of synchronous tasks to free, and their tasks to resolve, in one microtask. */
  private readonly releasing: LimiterKey[] = [];
  private readonly settling: Task[] = [];
  private settleQueued = false;

  constructor(
    private readonly owner: SlotOwner,
    readonly cap: number,
  ) {
    this.defaultKey = new LimiterKey(DEFAULT_KEY, owner);
  }

  /** `ks` takes a slot. */
  take(ks: LimiterKey): void {
    this.running++;
    ks.running++;
  }

  /** `ks` gives a slot back, without anything else (see {@link Slots.done}). */
  give(ks: LimiterKey): void {
    this.running--;
    ks.running--;
  }

  /** Forgets a key's local state once nothing of it is queued, running or acquiring. */
  maybeForget(ks: LimiterKey): void {
    if (ks.queued === 0 && ks.running === 0 && ks.calls === 0 && ks !== this.defaultKey) {
      this.keys.delete(ks.key);
    }
  }

  /** Runs a dispatched task: its slot is freed when it settles, on every path. */
  start(task: Task, now: number): void {
    const owner = this.owner;
    // A task answered by a remote store already holds its slot.
    const held = task.state === ACQUIRING;
    if (held) owner.unjoin(task);
    task.state = RUNNING;
    // A remote grant keeps the time its call was sent (no later than the store's grant).
    if (!held) task.grantedAt = now;
    unwatchAbort(task.signal, task);
    const ks = task.ks;
    if (!held) this.take(ks);
    if (owner.opts.onDispatch) {
      emit(owner.opts.onDispatch, {
        key: ks.key,
        waitedMs: now - task.enqueuedAt,
        running: this.running,
        queued: owner.queued,
      });
    }
    task.run();
  }

  /** Frees one slot of `ks`. */
  done(ks: LimiterKey): void {
    this.release(ks);
    if (this.owner.queued > 0) this.owner.drain();
  }

  /** A granted task settled asynchronously: the store hears of it, then its slot is freed. */
  finished(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): void {
    if (this.owner.settles) this.owner.settleGrant(ks.key, cost, grant, grantedAt);
    this.done(ks);
  }

  /** Frees one slot of `ks` without draining. */
  private release(ks: LimiterKey): void {
    this.give(ks);
    if (this.running === 0) this.owner.notify();
    this.maybeForget(ks);
  }

  /**
   * A synchronous task returned: its slot is freed (and its task resolved) in one microtask
   * shared by every task that returns in the same tick, so no promise or closure is
   * allocated per task.
   */
  settleLater(ks: LimiterKey, task: Task | undefined): void {
    this.releasing.push(ks);
    if (task !== undefined) this.settling.push(task);
    if (!this.settleQueued) {
      this.settleQueued = true;
      queueMicrotask(this.settle);
    }
  }

  private readonly settle = (): void => {
    this.settleQueued = false;
    const releasing = this.releasing;
    const settling = this.settling;
    for (let i = 0; i < releasing.length; i++) this.release(releasing[i] as LimiterKey);
    releasing.length = 0;
    for (let i = 0; i < settling.length; i++) {
      const task = settling[i] as Task;
      const value = task.value;
      task.value = undefined;
      task.resolve(value);
    }
    settling.length = 0;
    if (this.owner.queued > 0) this.owner.drain();
  };

  /** The release function of an `acquire`: frees the slot once, however often called. */
  releaser(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.finished(ks, cost, grant, grantedAt);
    };
  }
}
