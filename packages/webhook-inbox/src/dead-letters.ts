import type { Clock } from '@brace/core';
import type { StoredInboxEvent } from './event.js';
import type { InboxStore } from './store.js';

/**
 * Which dead letters to list.
 *
 * @example
 * ```ts
 * import type { DeadLetterFilter } from '@brace/webhook-inbox';
 *
 * const lastDay: DeadLetterFilter = { provider: 'stripe', since: Date.now() - 86_400_000 };
 * ```
 */
export interface DeadLetterFilter {
  /** Only this provider's. */
  provider?: string;
  /** Only this event type. */
  type?: string;
  /** Received at or after (ms since the epoch). */
  since?: number;
  /** Received before (ms since the epoch). */
  until?: number;
  /** At most this many (default and maximum 1,000). */
  limit?: number;
}

/**
 * A time range of dead letters to replay.
 *
 * @example
 * ```ts
 * import type { ReplayRange } from '@brace/webhook-inbox';
 *
 * const range: ReplayRange = { since: Date.parse('2026-12-01'), until: Date.parse('2026-12-02') };
 * ```
 */
export interface ReplayRange {
  /** Received at or after. */
  since?: number;
  /** Received before. */
  until?: number;
  /** Only this provider's. */
  provider?: string;
}

/**
 * The dead-letter queue: events whose every attempt failed, kept with their error history.
 *
 * @example
 * ```ts
 * import { createInbox, memoryInboxStore } from '@brace/webhook-inbox';
 *
 * const inbox = createInbox({ store: memoryInboxStore(), providers: { github: { secret: 's' } }, handlers: {} });
 * for (const letter of await inbox.deadLetters.list({ provider: 'github' })) {
 *   console.log(letter.id, letter.errors.at(-1)?.message);
 * }
 * await inbox.deadLetters.replay({ since: Date.now() - 3_600_000 });
 * ```
 */
export interface DeadLetters {
  /** Dead letters matching the filter, oldest received first. */
  list(filter?: DeadLetterFilter): Promise<StoredInboxEvent[]>;
  /** One event by inbox id (in any state), or `undefined`. */
  get(id: string): Promise<StoredInboxEvent | undefined>;
  /** Makes dead letters (by id, or a received-time range) pending again with fresh attempts; answers how many. */
  replay(target: readonly string[] | ReplayRange): Promise<number>;
  /** Drops dead letters (they stay stored as `discarded`, so a redelivery is still a duplicate); answers how many. */
  discard(ids: readonly string[]): Promise<number>;
}

/** The dead-letter API over a store. */
export function deadLetters(store: InboxStore, clock: Clock, wake: () => void): DeadLetters {
  return {
    list: (filter = {}) => store.list({ ...filter, status: 'dead' }),
    get: (id) => store.get(id),
    async replay(target) {
      let count = 0;
      if (Array.isArray(target))
        count = await store.requeue(target as readonly string[], clock.now());
      else {
        const range = target as ReplayRange;
        // Page by page: a requeued event is no longer dead, so the next page starts where this
        // one ended even when many share one received millisecond. An event already requeued
        // that died again meanwhile is not replayed twice; a page with nothing new ends the loop.
        const seen = new Set<string>();
        for (;;) {
          const page = await store.list({ ...range, status: 'dead', limit: 1_000 });
          const ids = page.map((letter) => letter.id).filter((id) => !seen.has(id));
          if (ids.length === 0) break;
          for (const id of ids) seen.add(id);
          count += await store.requeue(ids, clock.now());
          if (page.length < 1_000) break;
        }
      }
      if (count > 0) wake();
      return count;
    },
    discard: (ids) => store.discard(ids, clock.now()),
  };
}
