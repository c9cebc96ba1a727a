import { InboxStoreError } from './errors.js';
import type { ClaimedInboxEvent } from './event.js';
import { emit } from './events.js';
import { type ProcessContext, processEvent } from './process.js';

/** What the worker loop needs besides processing. */
export interface WorkerContext extends ProcessContext {
  worker: string;
  concurrency: number;
  pollIntervalMs: number;
}

/**
 * Options of `inbox.stop()`.
 *
 * @example
 * ```ts
 * import type { StopOptions } from '@brace/webhook-inbox';
 *
 * const options: StopOptions = { drainMs: 10_000 };
 * ```
 */
export interface StopOptions {
  /**
   * How long running handlers may finish before their `signal` aborts. Default 30,000 ms.
   * An aborted handler's event is retried (its attempt counts), or claimed again by another
   * worker once its lease expires if the store cannot be reached.
   */
  drainMs?: number;
}

/** The reason of a wake-up (it ends a wait; nobody reads it). */
const WOKEN = new Error('The inbox worker loop was woken.');

/** The worker loop: claims due events and runs up to `concurrency` handlers at once. */
export class WorkerLoop {
  readonly #context: WorkerContext;
  readonly #inflight = new Set<Promise<void>>();
  #shutdown = new AbortController();
  #wake = new AbortController();
  #running: Promise<void> | undefined;
  #stopping = false;
  #slotFreed: (() => void) | undefined;

  constructor(context: WorkerContext) {
    this.#context = context;
  }

  /** Whether the loop runs. */
  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Ends the current idle wait: new events are claimed at once. */
  wake(): void {
    // Called for every stored delivery. `abort()` without a reason builds a DOMException (with
    // its stack trace) on every call, even on a signal already aborted: about 7% of a
    // receive's CPU when measured. Wake once, with a shared reason.
    if (!this.#wake.signal.aborted) this.#wake.abort(WOKEN);
  }

  async #claim(limit: number): Promise<ClaimedInboxEvent[]> {
    const { store, clock, worker, leaseMs, ordered } = this.#context;
    try {
      return await store.claim({ worker, now: clock.now(), leaseMs, limit, ordered });
    } catch (error) {
      const typed =
        error instanceof InboxStoreError
          ? error
          : new InboxStoreError('claim', 'The inbox store failed to claim events.', error);
      emit(this.#context.callbacks.onStoreError, { operation: 'claim', error: typed });
      return [];
    }
  }

  #dispatch(event: ClaimedInboxEvent): Promise<void> {
    const run = processEvent(this.#context, event, this.#shutdown.signal).finally(() => {
      this.#inflight.delete(run);
      this.#slotFreed?.();
    });
    this.#inflight.add(run);
    return run;
  }

  /** Claims once (up to `concurrency` events) and runs them to an outcome; answers how many. */
  async runOnce(): Promise<number> {
    const claimed = await this.#claim(this.#context.concurrency);
    await Promise.all(claimed.map((event) => this.#dispatch(event)));
    return claimed.length;
  }

  async #loop(): Promise<void> {
    const { clock, concurrency, pollIntervalMs } = this.#context;
    while (!this.#stopping) {
      const free = concurrency - this.#inflight.size;
      if (free > 0) {
        const claimed = await this.#claim(free);
        for (const event of claimed) void this.#dispatch(event);
        if (claimed.length > 0) continue;
      }
      if (this.#stopping) break;
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
      const wake = this.#wake.signal;
      if (this.#inflight.size >= concurrency) {
        // Full: nothing can be claimed until a slot frees (or stop() wakes the loop). No polling,
        // so nothing piles up on handlers that run for a long time.
        await new Promise<void>((resolve) => {
          this.#slotFreed = resolve;
          wake.addEventListener('abort', () => resolve(), { once: true });
        });
        this.#slotFreed = undefined;
      } else {
        // Idle: wait for the poll interval or a new event.
        await clock.sleep(pollIntervalMs, wake).catch(() => {});
      }
      this.wake(); // end the wait that did not end it
    }
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.#running !== undefined) return;
    this.#stopping = false;
    this.#shutdown = new AbortController();
    this.#running = this.#loop();
  }

  /** Stops claiming, lets running handlers finish within `drainMs`, then aborts them. */
  async stop(options: StopOptions = {}): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    this.#stopping = true;
    this.wake();
    await running;
    const drained = Promise.all(this.#inflight).then(() => true);
    const deadline = new AbortController();
    const late = this.#context.clock
      .sleep(options.drainMs ?? 30_000, deadline.signal)
      .then(() => false)
      .catch(() => true);
    const inTime = await Promise.race([drained, late]);
    deadline.abort();
    if (!inTime) {
      this.#shutdown.abort(new Error('The inbox worker stopped before the handler finished.'));
      await Promise.all(this.#inflight);
    }
    this.#running = undefined;
  }
}
