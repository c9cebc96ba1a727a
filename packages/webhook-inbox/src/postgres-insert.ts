// The PostgreSQL store's group commit: one multi-row INSERT … ON CONFLICT DO NOTHING per batch.
import type { NewInboxEvent } from './event.js';
import { inboxId, insertParams } from './event.js';
import type { Settled } from './group-commit.js';

type Query = (operation: string, text: string, params: unknown[]) => Promise<unknown[]>;
type Outcome = 'inserted' | 'duplicate';

/**
 * A data error (SQLSTATE class 22, such as a NUL byte in a text column) or a constraint error
 * (class 23) is about one row: the batch is retried row by row so that only that delivery fails.
 */
function aboutOneRow(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * Stores a batch with one statement; answers each event's outcome in order. Two events with the
 * same id in one batch: the first is inserted (or a duplicate of an older row), the rest are
 * duplicates.
 */
export function postgresInsertFlush(
  query: Query,
  sql: { insert: string; insertMany: string },
): (events: NewInboxEvent[]) => Promise<Array<Settled<Outcome>>> {
  const one = async (event: NewInboxEvent): Promise<Settled<Outcome>> => {
    try {
      const rows = await query('insert', sql.insert, insertParams(event));
      return { ok: true, value: rows.length === 1 ? 'inserted' : 'duplicate' };
    } catch (error) {
      return { ok: false, error };
    }
  };
  return async (events) => {
    if (events.length === 1) return [await one(events[0]!)];
    const columns: unknown[][] = Array.from({ length: 10 }, () => []);
    const ids = new Set<string>();
    for (const event of events) {
      const params = insertParams(event);
      if (ids.has(params[0] as string)) continue;
      ids.add(params[0] as string);
      for (let i = 0; i < params.length; i++) columns[i]!.push(params[i]);
    }
    let inserted: Set<string>;
    try {
      const rows = (await query('insert', sql.insertMany, columns)) as Array<{ id: string }>;
      inserted = new Set(rows.map((row) => row.id));
    } catch (error) {
      if (aboutOneRow(error)) return Promise.all(events.map(one));
      throw error;
    }
    return events.map((event) => {
      const id = inboxId(event.provider, event.eventId);
      const first = inserted.delete(id); // a later copy of the same id in this batch is a duplicate
      return { ok: true, value: first ? 'inserted' : 'duplicate' };
    });
  };
}
