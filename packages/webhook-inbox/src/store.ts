import type {
  AttemptError,
  ClaimedInboxEvent,
  InboxEventStatus,
  NewInboxEvent,
  StoredInboxEvent,
} from './event.js';

/**
 * What a claim asks the store for.
 *
 * @example
 * ```ts
 * import type { ClaimOptions } from '@brace/webhook-inbox';
 *
 * const options: ClaimOptions = { worker: 'w1', now: Date.now(), leaseMs: 60_000, limit: 8, ordered: true };
 * ```
 */
export interface ClaimOptions {
  /** The claiming worker's id (lease tokens start with it). */
  worker: string;
  /** The current time (ms since the epoch). */
  now: number;
  /** How long the lease lasts; an event whose lease expired can be claimed again. */
  leaseMs: number;
  /** The most events to claim. */
  limit: number;
  /**
   * Per-resource ordering: claim an event with a `resourceKey` only when no older event of
   * that resource is pending and none is processing under a live lease.
   */
  ordered: boolean;
}

/**
 * How an attempt ended, as the worker tells the store:
 * - `done`: succeeded (the resource's watermark moves to the event's `orderAt`);
 * - `retry`: failed; pending again from `nextAttemptAt`;
 * - `dead`: failed for the last time;
 * - `stale`: skipped because a newer event of its resource was already processed.
 *
 * @example
 * ```ts
 * import type { SettleOutcome } from '@brace/webhook-inbox';
 *
 * const outcome: SettleOutcome = { status: 'retry', nextAttemptAt: Date.now() + 5_000, error: { attempt: 1, at: Date.now(), name: 'Error', message: 'boom' } };
 * ```
 */
export type SettleOutcome =
  | {
      /** Succeeded. */
      status: 'done';
    }
  | {
      /** Failed; try again later. */
      status: 'retry';
      /** When the next attempt may start. */
      nextAttemptAt: number;
      /** The attempt's error. */
      error: AttemptError;
    }
  | {
      /** Failed for the last time: a dead letter. */
      status: 'dead';
      /** The attempt's error. */
      error: AttemptError;
    }
  | {
      /** Older than what was already processed for its resource. */
      status: 'stale';
    };

/**
 * Which events `list` returns. Every field narrows; none given lists every event.
 *
 * @example
 * ```ts
 * import type { InboxListFilter } from '@brace/webhook-inbox';
 *
 * const filter: InboxListFilter = { status: 'dead', provider: 'stripe', since: Date.now() - 86_400_000 };
 * ```
 */
export interface InboxListFilter {
  /** Only events in this state. */
  status?: InboxEventStatus;
  /** Only this provider's events. */
  provider?: string;
  /** Only events of this type. */
  type?: string;
  /** Only events received at or after this time (ms since the epoch). */
  since?: number;
  /** Only events received before this time (ms since the epoch). */
  until?: number;
  /** The most events to return (default and maximum 1,000), oldest received first. */
  limit?: number;
}

/**
 * What a query resolves: its rows.
 *
 * @example
 * ```ts
 * import type { InboxQueryResult } from '@brace/webhook-inbox';
 *
 * const count = (result: InboxQueryResult) => result.rows.length;
 * ```
 */
export interface InboxQueryResult {
  /** The result rows, one object per row. */
  rows: unknown[];
}

/**
 * A handler's transaction in a store that can run one: its `query` runs inside the
 * transaction that also marks the event done, so the business write and the "done" commit
 * together or not at all.
 *
 * @example
 * ```ts
 * import type { InboxTransaction } from '@brace/webhook-inbox';
 *
 * async function recordPayment(tx: InboxTransaction, invoiceId: string) {
 *   await tx.query('INSERT INTO payments (invoice_id) VALUES ($1)', [invoiceId]);
 * }
 * ```
 */
export interface InboxTransaction {
  /** Runs one statement inside the transaction. */
  query(text: string, params?: unknown[]): Promise<InboxQueryResult>;
}

/**
 * The contract every inbox store keeps (memory, SQLite, PostgreSQL or your own); prove a new
 * one with `runInboxStoreConformance` from `@brace/webhook-inbox/testing`. Every method
 * rejects with an {@link InboxStoreError} when the store fails.
 *
 * @example
 * ```ts
 * import { memoryInboxStore, type InboxStore } from '@brace/webhook-inbox';
 *
 * const store: InboxStore = memoryInboxStore();
 * ```
 */
export interface InboxStore {
  /** Stores a new event, or answers `duplicate` when `<provider>:<eventId>` was ever stored (permanently). */
  insert(event: NewInboxEvent): Promise<'inserted' | 'duplicate'>;
  /** Claims up to `limit` due events (pending and due, or processing with an expired lease), oldest first, and starts an attempt on each. */
  claim(options: ClaimOptions): Promise<ClaimedInboxEvent[]>;
  /** Extends a lease the caller holds; `false` when it no longer does. */
  extend(id: string, lease: string, leaseUntil: number): Promise<boolean>;
  /** Ends an attempt the caller holds the lease of; `false` (nothing changed) when it no longer does. */
  settle(id: string, lease: string, outcome: SettleOutcome, now: number): Promise<boolean>;
  /** One event by inbox id. */
  get(id: string): Promise<StoredInboxEvent | undefined>;
  /** Events matching the filter, oldest received first. */
  list(filter: InboxListFilter): Promise<StoredInboxEvent[]>;
  /** Makes `dead`, `stale` or `discarded` events pending again with a fresh attempt count; answers how many. */
  requeue(ids: readonly string[], now: number): Promise<number>;
  /** Marks `dead` or `stale` events `discarded`; answers how many. */
  discard(ids: readonly string[], now: number): Promise<number>;
  /**
   * Optional: runs `work` in one transaction that also marks the event done, after checking
   * under a row lock that `lease` still holds it (else rejects with `InboxLeaseLostError` and
   * commits nothing). Stores without it (memory, SQLite) give handlers no `transaction`.
   */
  transaction?<T>(
    id: string,
    lease: string,
    now: number,
    work: (tx: InboxTransaction) => Promise<T>,
  ): Promise<T>;
}
