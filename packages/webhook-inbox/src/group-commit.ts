// Group commit: concurrent inserts share one statement (PostgreSQL) or one transaction (SQLite),
// so a burst of deliveries costs one round trip and one commit (one WAL flush) instead of one
// each. Every caller still waits for the commit that holds its own row.

import { InboxOptionsError } from './errors.js';

function check(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new InboxOptionsError(`${name} must be a whole number of at least ${min}.`);
  return value;
}

/** One item's result from a flush: its value, or the error that item gets. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Group commit settings of a store's `insert` (`groupCommit` of `postgresInboxStore` and
 * `sqliteInboxStore`).
 *
 * @example
 * ```ts
 * import type { GroupCommitOptions } from '@brace/webhook-inbox';
 *
 * const groupCommit: GroupCommitOptions = { maxRows: 200, windowMs: 2 };
 * ```
 */
export interface GroupCommitOptions {
  /** The most rows in one commit. Default 100. */
  maxRows?: number;
  /**
   * How long the first waiting insert holds the batch open for others, in ms. Default 0: no
   * added wait; inserts that arrive in the same turn of the event loop, or while the previous
   * commits are in flight, share the next one (so batches grow with the load by themselves).
   */
  windowMs?: number;
  /** Commits in flight at once (PostgreSQL). Default 4. SQLite commits one at a time. */
  concurrency?: number;
  /**
   * How long, in ms, the newest commit in flight runs before another batch may start beside it
   * (PostgreSQL, up to `concurrency`). Default 4. Until then, inserts that arrive wait for it to
   * end and share the next commit, so a steady stream costs one statement per commit round trip
   * instead of one per free slot; a commit that stalls still lets the next batch go past it. A
   * full batch (`maxRows` waiting) never waits. 0: a batch starts whenever a slot is free.
   */
  overlapMs?: number;
}

/** Resolved group commit settings. */
export interface GroupCommit {
  maxRows: number;
  windowMs: number;
  concurrency: number;
  overlapMs: number;
}

/** Checks and fills in `groupCommit` options; `false` turns batching off (one commit per insert). */
export function groupCommitOptions(options: GroupCommitOptions | false | undefined): GroupCommit {
  if (options === false)
    return { maxRows: 1, windowMs: 0, concurrency: Number.MAX_SAFE_INTEGER, overlapMs: 0 };
  return {
    maxRows: check('groupCommit.maxRows', options?.maxRows ?? 100, 1),
    windowMs: check('groupCommit.windowMs', options?.windowMs ?? 0, 0),
    concurrency: check('groupCommit.concurrency', options?.concurrency ?? 4, 1),
    overlapMs: check('groupCommit.overlapMs', options?.overlapMs ?? 4, 0),
  };
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Batches calls: `push(item)` resolves with the item's own result once the flush that carried
 * it ends. A flush starts when a commit slot is free, after `windowMs` (or the current turn of
 * the event loop), or at once when `maxRows` items wait. While a flush is in flight, the next
 * one starts beside it only once the newest in flight has run `overlapMs` (or the batch is full).
 */
export function batcher<I, O>(
  flush: (items: I[]) => Promise<Array<Settled<O>>>,
  settings: GroupCommit,
  now: () => number = () => performance.now(),
): (item: I) => Promise<O> {
  const queue: Array<Waiting<I, O>> = [];
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  let overlapTimer: ReturnType<typeof setTimeout> | undefined;
  let newestStart = 0;

  const run = (batch: Array<Waiting<I, O>>) => {
    inFlight++;
    newestStart = now();
    flush(batch.map((w) => w.item))
      .then(
        (results) =>
          batch.forEach((w, i) => {
            const result = results[i];
            if (result?.ok === true) w.resolve(result.value);
            else w.reject(result === undefined ? new Error('no result') : result.error);
          }),
        (error) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        inFlight--;
        drain(false);
      });
  };

  const drain = (force: boolean) => {
    while (queue.length > 0 && inFlight < settings.concurrency) {
      if (!force && queue.length < settings.maxRows) {
        arm();
        return;
      }
      if (inFlight > 0 && queue.length < settings.maxRows) {
        // A commit is in flight: its successor waits for it (sharing one statement) unless it
        // has run overlapMs, then it may be stalled and the batch goes beside it.
        const wait = newestStart + settings.overlapMs - now();
        if (wait > 0) {
          if (overlapTimer === undefined)
            overlapTimer = setTimeout(() => {
              overlapTimer = undefined;
              drain(true);
            }, wait);
          return;
        }
      }
      force = false;
      run(queue.splice(0, settings.maxRows));
    }
  };

  const arm = () => {
    if (timer !== undefined) return;
    const fire = () => {
      timer = undefined;
      drain(true);
    };
    timer = settings.windowMs > 0 ? setTimeout(fire, settings.windowMs) : setImmediate(fire);
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (settings.maxRows === 1 || queue.length >= settings.maxRows) drain(true);
      else arm();
    });
}
