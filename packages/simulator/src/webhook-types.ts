import type { Clock } from '@brace/core';
import type { ProviderName } from '@brace/webhook-verify';
import type { ProviderLedger } from './ledger.js';

/**
 * Webhook options: where to send, how to sign, and how hostile the delivery is. Each share is a
 * probability per event, drawn from the provider's seed.
 *
 * @example
 * ```ts
 * import type { WebhookOptions } from '@brace/simulator';
 *
 * const webhooks: WebhookOptions = {
 *   url: 'http://127.0.0.1:3000/hooks',
 *   secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
 *   duplicates: 0.1,
 *   missed: 0.05,
 * };
 * ```
 */
export interface WebhookOptions {
  /** The receiver. */
  url: string;
  /** The signing secret, in the scheme's format (`whsec_…` for Standard Webhooks and Stripe). */
  secret: string;
  /** The `@brace/webhook-verify` scheme. Default: the preset's. */
  scheme?: ProviderName;
  /** Share of events delivered a second time, after the first delivery was answered. */
  duplicates?: number;
  /** Share of events held back and delivered after the next event. */
  reorder?: number;
  /** Share of events followed by a delivery signed with another secret. */
  forged?: number;
  /** Share of events followed by a delivery whose timestamp is `staleSec` old (timestamped schemes). */
  stale?: number;
  /** Share of events followed by a delivery whose timestamp is `futureSec` ahead (timestamped schemes). */
  future?: number;
  /** Share of events never delivered (they are still listed at `listPath`). */
  missed?: number;
  /** Age of stale deliveries, s. Default 600. */
  staleSec?: number;
  /** Lead of future deliveries, s. Default 600. */
  futureSec?: number;
  /** Waits between attempts after a non-2xx or a network error. Default: the preset's schedule. */
  retryDelaysMs?: readonly number[];
  /** Per-attempt timeout, ms. Default 5000. */
  timeoutMs?: number;
  /** Path of the event list endpoint on the provider. Default `/events`. */
  listPath?: string;
}

/**
 * One event the provider emitted.
 *
 * @example
 * ```ts
 * import type { WebhookEvent } from '@brace/simulator';
 *
 * const ids = (events: WebhookEvent[]) => events.map((e) => e.id);
 * ```
 */
export interface WebhookEvent {
  /** `evt_<base-36 sequence>`, also the delivery id header's value. */
  id: string;
  /** `<collection>.created` for created resources, or what you emitted. */
  type: string;
  /** Unix seconds. */
  created: number;
  /** The payload. */
  data: unknown;
}

/**
 * One HTTP delivery attempt.
 *
 * @example
 * ```ts
 * import type { DeliveryRecord } from '@brace/simulator';
 *
 * const failed = (d: DeliveryRecord) => d.status < 200 || d.status > 299;
 * ```
 */
export interface DeliveryRecord {
  /** The event delivered. */
  eventId: string;
  /** What the delivery was. */
  kind: 'genuine' | 'retry' | 'duplicate' | 'forged' | 'stale' | 'future';
  /** 1 for the first attempt, 2 for the first retry … */
  attempt: number;
  /** The receiver's status, 0 on a network error or timeout. */
  status: number;
}

/**
 * A page of the event list (`GET /events`).
 *
 * @example
 * ```ts
 * import type { WebhookEventPage } from '@brace/simulator';
 *
 * const ids = (page: WebhookEventPage) => page.data.map((e) => e.id);
 * ```
 */
export interface WebhookEventPage {
  /** The events, oldest first. */
  data: WebhookEvent[];
  /** Whether more events follow. */
  has_more: boolean;
}

/** The extra deliveries decided for one event. */
export interface DeliveryPlan {
  duplicate: boolean;
  forged: boolean;
  stale: boolean;
  future: boolean;
}

/**
 * What the sender needs from its provider.
 *
 * @example
 * ```ts
 * import type { SenderContext } from '@brace/simulator';
 *
 * const seedOf = (c: SenderContext) => c.seed;
 * ```
 */
export interface SenderContext {
  /** Where deliveries are counted. */
  ledger: ProviderLedger;
  /** Timestamps and retry waits. */
  clock: Pick<Clock, 'now' | 'sleep'>;
  /** The provider's seed. */
  seed: number;
  /** Aborts deliveries in flight when the provider closes. */
  signal: AbortSignal;
  /** The preset's scheme. */
  defaultScheme: ProviderName;
  /** The preset's retry schedule. */
  defaultRetryDelaysMs: readonly number[];
  /** The preset's extra headers per delivery. */
  extraHeaders: (event: { id: string; type: string; attempt: number }) => Record<string, string>;
}
