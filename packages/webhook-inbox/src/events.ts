import type { InboxStoreError } from './errors.js';
import type { AttemptError, InboxEventSource } from './event.js';

/** What `onReceived` gets: one verified delivery (or reconciled event) and whether it was new. */
export interface ReceivedEvent {
  /** The inbox id. */
  id: string;
  /** The provider name. */
  provider: string;
  /** The event type. */
  type: string;
  /** `true` when the event was already stored (nothing new was written). */
  duplicate: boolean;
  /** How it arrived. */
  source: InboxEventSource;
}

/** What `onRejected` gets: a delivery refused by verification (nothing stored). */
export interface RejectedEvent {
  /** The provider name. */
  provider: string;
  /** The verifier's error code (`NO_MATCHING_SIGNATURE`, `TIMESTAMP_TOO_OLD` ...). */
  code: string;
  /** The status answered. */
  status: number;
}

/** What `onStoreError` gets: a store call that failed (the receiver answered 503, or a worker will poll again). */
export interface StoreErrorEvent {
  /** The failed operation. */
  operation: string;
  /** The typed error. */
  error: InboxStoreError;
}

/** What `onProcessed` gets: a handler succeeded and the event is done. */
export interface ProcessedEvent {
  /** The inbox id. */
  id: string;
  /** The provider name. */
  provider: string;
  /** The event type. */
  type: string;
  /** The attempt that succeeded. */
  attempt: number;
  /** How long the handler ran, ms. */
  durationMs: number;
  /** An error the handler threw after its transaction committed (the event stays done). */
  lateError?: AttemptError;
}

/** What `onRetry` and `onDeadLetter` get: a failed attempt. */
export interface FailedEvent {
  /** The inbox id. */
  id: string;
  /** The provider name. */
  provider: string;
  /** The event type. */
  type: string;
  /** The failed attempt. */
  attempt: number;
  /** The error, as kept in the history. */
  error: AttemptError;
  /** With `onRetry`: the wait before the next attempt, ms. */
  delayMs?: number;
}

/** What `onStale` and `onUnhandled` get. */
export interface SkippedEvent {
  /** The inbox id. */
  id: string;
  /** The provider name. */
  provider: string;
  /** The event type. */
  type: string;
  /** With `onStale`: the resource, whose newer event was already processed. */
  resourceKey?: string;
}

/** What `onReconciled` gets: one reconciliation pass. */
export interface ReconciledEvent {
  /** The provider polled. */
  provider: string;
  /** How many events the provider listed. */
  listed: number;
  /** How many of them were never delivered and are now stored. */
  recovered: number;
}

/**
 * The inbox's event callbacks; each gets one plain object, and a throwing callback never
 * breaks a delivery or a worker. No callback ever receives a payload or a secret.
 *
 * @example
 * ```ts
 * import type { InboxCallbacks } from '@brace/webhook-inbox';
 *
 * const callbacks: InboxCallbacks = {
 *   onDeadLetter: (event) => console.warn('dead letter', event.id, event.error.message),
 *   onReconciled: (event) => console.info(`${event.recovered} recovered from ${event.provider}`),
 * };
 * ```
 */
export interface InboxCallbacks {
  /** A delivery was verified and stored (or was a duplicate). */
  onReceived?: (event: ReceivedEvent) => void;
  /** A delivery failed verification. */
  onRejected?: (event: RejectedEvent) => void;
  /** The store failed. */
  onStoreError?: (event: StoreErrorEvent) => void;
  /** A handler succeeded. */
  onProcessed?: (event: ProcessedEvent) => void;
  /** A handler failed and will be retried. */
  onRetry?: (event: FailedEvent) => void;
  /** A handler failed for the last time: the event is a dead letter. */
  onDeadLetter?: (event: FailedEvent) => void;
  /** An event older than one already processed for its resource was skipped. */
  onStale?: (event: SkippedEvent) => void;
  /** An event had no handler. */
  onUnhandled?: (event: SkippedEvent) => void;
  /** A reconciliation pass ended. */
  onReconciled?: (event: ReconciledEvent) => void;
}

/** Calls a callback; a throwing one is ignored. */
export function emit<E>(callback: ((event: E) => void) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    callback(event);
  } catch {
    // A throwing callback never breaks a delivery or a worker.
  }
}
