import { unwatchAbort } from './abort-watch.js';
import { RemoteCore } from './remote-core.js';
import { ACQUIRING, LimiterKey, RUNNING, type Task } from './task.js';
import { DEFAULT_KEY, type Release } from './types.js';
import { emit } from './util.js';

/**
 * @internal The limiter's slots: a dispatched task holds one until it settles, on every path
 * (success, error, abort, release function), and a key's local state is forgotten once it
 * holds and waits for nothing. Synchronous tasks free theirs in one shared microtask.
 */
export abstract class SlotCore extends RemoteCore {
  /** Local state of the keys that hold, wait for or acquire something. */
  readonly keys = new Map<string, LimiterKey>();
  /** The default key's state stays, so the common keyless fast path does no map work. */
  protected readonly defaultKey = new LimiterKey(DEFAULT_KEY, this);
  /** Slots of synchronous tasks to free, and their tasks to resolve, in one microtask. */
  private readonly releasing: LimiterKey[] = [];
  private readonly settling: Task[] = [];
  private settleQueued = false;

  /** Runs a dispatched task: its slot is freed when it settles, on every path. */
  start(task: Task, now: number): void {
    // A task answered by a remote store already holds its slot.
    const held = task.state === ACQUIRING;
    if (held) this.unjoin(task);
    task.state = RUNNING;
    task.grantedAt = now;
    unwatchAbort(task.signal, task);
    const ks = task.ks;
    if (!held) {
      this.running++;
      ks.running++;
    }
    if (this.opts.onDispatch) {
      emit(this.opts.onDispatch, {
        key: ks.key,
        waitedMs: now - task.enqueuedAt,
        running: this.running,
        queued: this.queued,
      });
    }
    task.run();
  }

  /** Frees one slot of `ks`. */
  done(ks: LimiterKey): void {
    this.release(ks);
    if (this.queued > 0) this.drain();
  }

  /** A granted task settled asynchronously: the store hears of it, then its slot is freed. */
  finished(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): void {
    if (this.settles) this.settleGrant(ks.key, cost, grant, grantedAt);
    this.done(ks);
  }

  /** Whether the store moves settled tasks' units (`windowFrom: 'settle'` and a `settle`). */
  protected abstract readonly settles: boolean;
  /** Tells the store a granted task settled now (failures go to `onError`). */
  protected abstract settleGrant(
    key: string,
    cost: number,
    grant: unknown,
    grantedAt: number,
  ): void;

  /** Frees one slot of `ks` without draining. */
  private release(ks: LimiterKey): void {
    this.running--;
    ks.running--;
    if (this.running === 0) this.notify();
    if (ks.running === 0 && ks.queued === 0 && ks.calls === 0 && ks !== this.defaultKey) {
      this.keys.delete(ks.key);
    }
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
    if (this.queued > 0) this.drain();
  };

  releaser(ks: LimiterKey, cost: number, grant: unknown, grantedAt: number): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.finished(ks, cost, grant, grantedAt);
    };
  }
}
