// Shared by the SQL stores: table names and the row ↔ event mapping.
import { InboxOptionsError, InboxStoreError } from './errors.js';
import type {
  AttemptError,
  ClaimedInboxEvent,
  InboxEventSource,
  InboxEventStatus,
  StoredInboxEvent,
} from './event.js';

/** Default table of the SQL stores: `brace_inbox` (and `brace_inbox_watermarks`). */
export const DEFAULT_INBOX_TABLE = 'brace_inbox';

/** Checks a table name: letters, digits and `_`, not starting with a digit, at most 48 characters. */
export function checkTable(table: string): string {
  if (typeof table !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(table)) {
    throw new InboxOptionsError(
      'table must be 1-48 letters, digits or underscores, not starting with a digit.',
    );
  }
  return table;
}

/** A row as both SQL stores select it (snake_case columns). */
export interface EventRow {
  id: string;
  provider: string;
  event_id: string;
  type: string;
  resource_key: string | null;
  occurred_at: number | string | bigint | null;
  order_at: number | string | bigint;
  received_at: number | string | bigint;
  payload: string;
  source: string;
  status: string;
  attempts: number | string | bigint;
  next_attempt_at: number | string | bigint;
  errors: string | AttemptError[];
  updated_at: number | string | bigint;
  lease?: string | null;
  watermark?: number | string | bigint | null;
}

const num = (value: number | string | bigint): number => Number(value);

/** Maps a selected row to a stored event. */
export function toEvent(row: EventRow): StoredInboxEvent {
  const event: StoredInboxEvent = {
    id: row.id,
    provider: row.provider,
    eventId: row.event_id,
    type: row.type,
    orderAt: num(row.order_at),
    receivedAt: num(row.received_at),
    payload: row.payload,
    source: row.source as InboxEventSource,
    status: row.status as InboxEventStatus,
    attempts: num(row.attempts),
    nextAttemptAt: num(row.next_attempt_at),
    errors:
      typeof row.errors === 'string' ? (JSON.parse(row.errors) as AttemptError[]) : row.errors,
    updatedAt: num(row.updated_at),
  };
  if (row.resource_key !== null) event.resourceKey = row.resource_key;
  if (row.occurred_at !== null) event.occurredAt = num(row.occurred_at);
  return event;
}

/** Maps a claimed row to a claimed event. */
export function toClaimed(row: EventRow, lease: string): ClaimedInboxEvent {
  const event: ClaimedInboxEvent = { ...toEvent(row), lease };
  if (row.watermark !== null && row.watermark !== undefined) event.watermark = num(row.watermark);
  return event;
}

/** Wraps a driver failure as a typed store error. */
export function failed(operation: string, error: unknown): InboxStoreError {
  if (error instanceof InboxStoreError || error instanceof InboxOptionsError)
    return error as InboxStoreError;
  return new InboxStoreError(
    operation,
    `The inbox store failed during ${operation}; check the database connection. Nothing was acknowledged that is not stored.`,
    error,
  );
}
