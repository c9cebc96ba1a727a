import { InboxOptionsError, InboxStoreError } from './errors.js';
import type { ClaimedInboxEvent, NewInboxEvent, StoredInboxEvent } from './event.js';
import { inboxId, MAX_ERROR_HISTORY } from './event.js';
import { listLimit, newLease, validLimit } from './lease.js';
import type { ClaimOptions, InboxListFilter, InboxStore, SettleOutcome } from './store.js';

/** Default `maxEvents` of {@link memoryInboxStore}: 100,000. */
export const DEFAULT_MEMORY_INBOX_MAX_EVENTS = 100_000;

/**
 * Options of {@link memoryInboxStore}.
 *
 * @example
 * ```ts
 * import { memoryInboxStore, type MemoryInboxStoreOptions } from '@brace/webhook-inbox';
 *
 * const options: MemoryInboxStoreOptions = { maxEvents: 10_000 };
 * const store = memoryInboxStore(options);
 * ```
 */
export interface MemoryInboxStoreOptions {
  /**
   * The most events kept. Dedupe is permanent, so nothing is evicted: once full, `insert`
   * rejects with `INBOX_STORE_FULL` (receivers answer 503 and the provider retries). Default
   * {@link DEFAULT_MEMORY_INBOX_MAX_EVENTS}.
   */
  maxEvents?: number;
}

interface Row extends StoredInboxEvent {
  seq: number;
  lease?: string;
  leaseUntil?: number;
}

const LIVE = new Set(['pending', 'processing']);

/** A resource is one provider's: two providers' equal resource keys never share an order. */
const resourceOf = (row: Row): string => `${row.provider}\u0000${row.resourceKey}`;

function copy(row: Row): StoredInboxEvent {
  const { seq: _seq, lease: _lease, leaseUntil: _until, ...event } = row;
  return { ...event, errors: event.errors.map((e) => ({ ...e })) };
}

function before(a: Row, b: Row): boolean {
  return a.orderAt < b.orderAt || (a.orderAt === b.orderAt && a.seq < b.seq);
}

/**
 * An inbox store in this process's memory: for tests and single-process tools. Events are lost
 * when the process ends; use the SQLite store (`@brace/webhook-inbox/sqlite`) on one machine
 * and the PostgreSQL store (`@brace/webhook-inbox/postgres`) on many.
 *
 * @param options - the size bound
 * @returns an {@link InboxStore}
 *
 * @example
 * ```ts
 * import { createInbox, memoryInboxStore } from '@brace/webhook-inbox';
 *
 * const inbox = createInbox({
 *   store: memoryInboxStore(),
 *   providers: { github: { secret: 'test-secret' } },
 *   handlers: { github: { push: async () => {} } },
 * });
 * ```
 */
export function memoryInboxStore(options: MemoryInboxStoreOptions = {}): InboxStore {
  const maxEvents = options.maxEvents ?? DEFAULT_MEMORY_INBOX_MAX_EVENTS;
  if (!Number.isInteger(maxEvents) || maxEvents < 1) {
    throw new InboxOptionsError('maxEvents must be a whole number of at least 1.');
  }
  const rows = new Map<string, Row>();
  const watermarks = new Map<string, number>();
  let seq = 0;

  const owned = (id: string, lease: string): Row | undefined => {
    const row = rows.get(id);
    return row?.status === 'processing' && row.lease === lease ? row : undefined;
  };

  const blocked = (row: Row, now: number): boolean => {
    if (row.resourceKey === undefined) return false;
    for (const other of rows.values()) {
      if (
        other === row ||
        other.resourceKey !== row.resourceKey ||
        other.provider !== row.provider ||
        !LIVE.has(other.status)
      )
        continue;
      if (before(other, row)) return true;
      if (other.status === 'processing' && (other.leaseUntil ?? 0) > now) return true;
    }
    return false;
  };

  return {
    async insert(event: NewInboxEvent) {
      const id = inboxId(event.provider, event.eventId);
      if (rows.has(id)) return 'duplicate';
      if (rows.size >= maxEvents) {
        throw new InboxStoreError(
          'insert',
          `The memory inbox store holds its maximum of ${maxEvents} events; raise maxEvents or use a database store.`,
          undefined,
          'INBOX_STORE_FULL',
        );
      }
      rows.set(id, {
        ...event,
        id,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: event.receivedAt,
        errors: [],
        updatedAt: event.receivedAt,
        seq: ++seq,
      });
      return 'inserted';
    },

    async claim({ worker, now, leaseMs, limit, ordered }: ClaimOptions) {
      const due = [...rows.values()]
        .filter(
          (row) =>
            (row.status === 'pending' && row.nextAttemptAt <= now) ||
            (row.status === 'processing' && (row.leaseUntil ?? 0) <= now),
        )
        .sort((a, b) => (before(a, b) ? -1 : 1));
      const claimed: ClaimedInboxEvent[] = [];
      for (const row of due) {
        if (claimed.length >= validLimit(limit)) break;
        if (ordered && blocked(row, now)) continue;
        row.status = 'processing';
        row.lease = newLease(worker);
        row.leaseUntil = now + leaseMs;
        row.attempts += 1;
        row.updatedAt = now;
        const event: ClaimedInboxEvent = { ...copy(row), lease: row.lease };
        const mark = row.resourceKey === undefined ? undefined : watermarks.get(resourceOf(row));
        if (mark !== undefined) event.watermark = mark;
        claimed.push(event);
      }
      return claimed;
    },

    async extend(id, lease, leaseUntil) {
      const row = owned(id, lease);
      if (row === undefined) return false;
      row.leaseUntil = leaseUntil;
      return true;
    },

    async settle(id, lease, outcome: SettleOutcome, now) {
      const row = owned(id, lease);
      if (row === undefined) return false;
      row.lease = undefined;
      row.leaseUntil = undefined;
      row.updatedAt = now;
      if (outcome.status === 'retry' || outcome.status === 'dead') {
        row.errors = [...row.errors, outcome.error].slice(-MAX_ERROR_HISTORY);
      }
      if (outcome.status === 'retry') {
        row.status = 'pending';
        row.nextAttemptAt = outcome.nextAttemptAt;
        return true;
      }
      row.status = outcome.status;
      if (outcome.status === 'done' && row.resourceKey !== undefined) {
        watermarks.set(
          resourceOf(row),
          Math.max(watermarks.get(resourceOf(row)) ?? -Infinity, row.orderAt),
        );
      }
      return true;
    },

    async get(id) {
      const row = rows.get(id);
      return row === undefined ? undefined : copy(row);
    },

    async list(filter: InboxListFilter) {
      const out: StoredInboxEvent[] = [];
      const limit = listLimit(filter.limit);
      for (const row of rows.values()) {
        if (filter.status !== undefined && row.status !== filter.status) continue;
        if (filter.provider !== undefined && row.provider !== filter.provider) continue;
        if (filter.type !== undefined && row.type !== filter.type) continue;
        if (filter.since !== undefined && row.receivedAt < filter.since) continue;
        if (filter.until !== undefined && row.receivedAt >= filter.until) continue;
        out.push(copy(row));
        if (out.length >= limit) break;
      }
      return out;
    },

    async requeue(ids, now) {
      let count = 0;
      for (const id of new Set(ids)) {
        const row = rows.get(id);
        if (row === undefined || LIVE.has(row.status) || row.status === 'done') continue;
        row.status = 'pending';
        row.attempts = 0;
        row.nextAttemptAt = now;
        row.updatedAt = now;
        count++;
      }
      return count;
    },

    async discard(ids, now) {
      let count = 0;
      for (const id of new Set(ids)) {
        const row = rows.get(id);
        if (row === undefined || (row.status !== 'dead' && row.status !== 'stale')) continue;
        row.status = 'discarded';
        row.updatedAt = now;
        count++;
      }
      return count;
    },
  };
}
