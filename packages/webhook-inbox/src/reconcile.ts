import { emit } from './events.js';
import type { ReceiveContext } from './receive.js';
import { store } from './receive.js';

/**
 * One event as the provider's list endpoint returns it.
 *
 * @example
 * ```ts
 * import type { ListedEvent } from '@brace/webhook-inbox';
 *
 * const event: ListedEvent = { id: 'evt_1', type: 'invoice.paid', payload: { id: 'evt_1' }, occurredAt: 1_700_000_000_000 };
 * ```
 */
export interface ListedEvent {
  /** The provider's event id: the same id its deliveries carry, so a delivered event is a duplicate. */
  id: string;
  /** The event type. */
  type: string;
  /** The event body: a string as delivered, or an object (stored as its JSON). */
  payload: unknown;
  /** When it happened, ms since the epoch. */
  occurredAt?: number;
  /** The resource it is about, for ordering. */
  resourceKey?: string;
}

/**
 * Options of `inbox.reconcile()`.
 *
 * @example
 * ```ts
 * import type { ReconcileOptions } from '@brace/webhook-inbox';
 *
 * const options: ReconcileOptions = {
 *   provider: 'stripe',
 *   since: Date.now() - 3 * 86_400_000,
 *   poll: async (since) => [], // e.g. stripe.events.list({ created: { gte: since / 1000 } })
 * };
 * ```
 */
export interface ReconcileOptions {
  /** The configured provider the events belong to. */
  provider: string;
  /** Passed to `poll`: list events since this time (ms since the epoch). */
  since: number;
  /** Lists the provider's events since `since` (all pages). */
  poll: (since: number) => Promise<readonly ListedEvent[]> | readonly ListedEvent[];
}

/**
 * What one pass found.
 *
 * @example
 * ```ts
 * import type { ReconcileResult } from '@brace/webhook-inbox';
 *
 * const report = (r: ReconcileResult) => `${r.recovered}/${r.listed} recovered, ${r.failed} not stored`;
 * ```
 */
export interface ReconcileResult {
  /** Events the provider listed. */
  listed: number;
  /** Listed events that were never delivered, now stored. */
  recovered: number;
  /** Listed events that could not be stored (store failure): run the pass again. */
  failed: number;
}

/** Stores what `poll` lists through the same dedupe as deliveries. */
export async function reconcile(
  context: ReceiveContext,
  provider: string,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const listed = await options.poll(options.since);
  let recovered = 0;
  let failed = 0;
  for (const item of listed) {
    const receivedAt = context.now();
    const answer = await store(context, {
      provider,
      eventId: item.id,
      type: item.type,
      payload: typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload),
      receivedAt,
      orderAt: item.occurredAt ?? receivedAt,
      source: 'reconcile',
      ...(item.occurredAt === undefined ? {} : { occurredAt: item.occurredAt }),
      ...(item.resourceKey === undefined ? {} : { resourceKey: item.resourceKey }),
    });
    if (answer.status !== 200) failed++;
    else if (!answer.body.includes('duplicate')) recovered++;
  }
  emit(context.callbacks.onReconciled, { provider, listed: listed.length, recovered });
  return { listed: listed.length, recovered, failed };
}
