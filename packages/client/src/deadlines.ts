/**
 * @internal What a deadline fires: `expire()` once, unless it was re-armed or ended first. The
 * three fields are the lists' bookkeeping: start them at `0`, `-1` and `undefined`.
 */
export interface Expiring {
  expire(): void;
  /** Bumped by every arm and end: a list entry whose number differs is stale. */
  seq: number;
  /** Where the live entry is, for ending it without a search. */
  slot: number;
  list: DeadlineList | undefined;
}

/** An expiry within this share of the duration (at most `MAX_EARLY_MS`) goes with the one due now. */
const EARLY_SHARE = 1 / 1000;
const MAX_EARLY_MS = 10;
/** Entries kept at most this many past the last one still due, before the list is compacted. */
const COMPACT_AT = 1024;
/** A timer this late never fired (it was lost): the next arm schedules one afresh. */
const OVERDUE_MS = 1000;

/**
 * @internal The deadlines of one duration, in one list and behind one unreferenced timer:
 * every deadline of a list is `ms` after it was armed, so arming appends (the list stays sorted)
 * and nothing is ever searched. An attempt pays a push, not a `setTimeout` and a
 * `clearTimeout` (a timer object and its linked-list entry each): an ended deadline is skipped
 * when its turn comes, and re-arming appends the target again with a new sequence number.
 */
export class DeadlineList {
  /** The absolute slot of `targets[0]`. */
  private base = 0;
  private targets: Array<Expiring | undefined> = [];
  private at: number[] = [];
  private seqs: number[] = [];
  private head = 0;
  /** Entries armed and neither ended nor fired. */
  private live = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When `timer` is due. */
  private timerAt = 0;
  private readonly early: number;
  private readonly fire = () => this.run();

  constructor(private readonly ms: number) {
    this.early = Math.min(ms * EARLY_SHARE, MAX_EARLY_MS);
  }

  /** Arms a deadline `ms` from now for `target`. */
  arm(target: Expiring): void {
    const at = Date.now() + this.ms;
    if (target.list !== undefined) target.list.end(target);
    const seq = ++target.seq;
    if (this.head > COMPACT_AT && this.head * 2 > this.targets.length) this.compact();
    target.list = this;
    target.slot = this.base + this.targets.length;
    this.targets.push(target);
    this.at.push(at);
    this.seqs.push(seq);
    this.live++;
    // A timer long overdue was lost (swapped-out fake timers in a test): armed afresh.
    if (this.timer === undefined) this.schedule(this.ms);
    else if (at - this.ms > this.timerAt + OVERDUE_MS) this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = Date.now() + Math.max(0, delay);
    this.timer = setTimeout(this.fire, Math.max(0, delay));
    // Like AbortSignal.timeout's, the timer never keeps a Node process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Drops `target`'s live entry (its slot keeps no reference to it). */
  end(target: Expiring): void {
    target.seq++;
    const i = target.slot - this.base;
    if (i >= 0 && i < this.targets.length && this.targets[i] === target) {
      this.targets[i] = undefined;
      // None left alive (a call over before the next one starts, the usual case): every entry
      // counts as consumed now, so the next `arm` compacts them away (past COMPACT_AT) rather
      // than the lists growing until the timer fires.
      if (--this.live === 0) this.head = this.targets.length;
    }
    target.list = undefined;
  }

  /** How many entries the list holds (ended ones not yet dropped included). */
  get size(): number {
    return this.targets.length - this.head;
  }

  private compact(): void {
    this.base += this.head;
    this.targets = this.targets.slice(this.head);
    this.at = this.at.slice(this.head);
    this.seqs = this.seqs.slice(this.head);
    this.head = 0;
  }

  private run(): void {
    this.timer = undefined;
    this.timerAt = 0;
    const due = Date.now() + this.early;
    // Re-read per entry: an expiry may arm another deadline here (and compact the list).
    while (this.head < this.targets.length) {
      const i = this.head;
      const target = this.targets[i];
      if (target !== undefined && target.seq === this.seqs[i]) {
        const at = this.at[i] as number;
        if (at > due) {
          this.schedule(at - Date.now());
          return;
        }
        target.seq++;
        target.list = undefined;
        this.targets[i] = undefined;
        this.head++;
        this.live--;
        try {
          target.expire();
        } catch {
          // An abort listener's throw is the listener's: the other deadlines still fire.
        }
        continue;
      }
      this.targets[i] = undefined;
      this.head++;
    }
    // Every deadline went: start afresh (the old arrays are garbage now).
    this.base += this.targets.length;
    this.targets = [];
    this.at = [];
    this.seqs = [];
    this.head = 0;
  }
}

const lists = new Map<number, DeadlineList>();

/**
 * @internal Arms (or re-arms) `target`'s deadline `ms` from now; `target.expire()` runs once
 * then, unless {@link endDeadline} or another arm came first. Expiries share one timer per
 * duration and may run up to 0.1% of `ms` (at most 10 ms) early, with one due then.
 */
export function armDeadline(target: Expiring, ms: number): void {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  list.arm(target);
}

/**
 * @internal How many entries the shared list for `ms` holds (for tests): ended ones included,
 * until none is left alive (then all are dropped at once) or its timer fires.
 *
 * @example
 * ```ts
 * armDeadline(attempt, 10_000);
 * endDeadline(attempt);
 * deadlineEntries(10_000); // 0
 * ```
 */
export function deadlineEntries(ms: number): number {
  return lists.get(ms)?.size ?? 0;
}

/** @internal Ends `target`'s deadline: it will not expire (until armed again). */
export function endDeadline(target: Expiring): void {
  target.list?.end(target);
}
