/**
 * A webhook inbox (`createInbox`): verify, commit, then acknowledge; process exactly once with retries, dead letters, replay, ordering and reconciliation.
 *
 * @module
 */
export { type InboxAnswer, STORE_FAILURE_RETRY_AFTER_SEC } from './answer.js';
export type { DeadLetterFilter, DeadLetters, ReplayRange } from './dead-letters.js';
export type { DescribeInput, Describer, EventDescription } from './describe.js';
export {
  InboxHandlerTimeoutError,
  InboxLeaseLostError,
  InboxOptionsError,
  InboxStoreError,
} from './errors.js';
export {
  type AttemptError,
  type ClaimedInboxEvent,
  type InboxEventSource,
  type InboxEventStatus,
  MAX_ERROR_HISTORY,
  type NewInboxEvent,
  type StoredInboxEvent,
} from './event.js';
export type {
  FailedEvent,
  InboxCallbacks,
  ProcessedEvent,
  ReceivedEvent,
  ReconciledEvent,
  RejectedEvent,
  SkippedEvent,
  StoreErrorEvent,
} from './events.js';
export type { GroupCommitOptions } from './group-commit.js';
export type {
  InboxEventMap,
  InboxHandler,
  InboxHandlerContext,
  InboxHandlerEvent,
  InboxHandlers,
} from './handlers.js';
export {
  createInbox,
  DEFAULT_INBOX_CONCURRENCY,
  DEFAULT_INBOX_LEASE_MS,
  DEFAULT_INBOX_POLL_INTERVAL_MS,
  type Inbox,
  type InboxOptions,
} from './inbox.js';
export {
  DEFAULT_MEMORY_INBOX_MAX_EVENTS,
  type MemoryInboxStoreOptions,
  memoryInboxStore,
} from './memory-store.js';
export type { UnhandledPolicy } from './process.js';
export type { InboxProviderOptions } from './receive.js';
export type { ListedEvent, ReconcileOptions, ReconcileResult } from './reconcile.js';
export {
  DEFAULT_INBOX_ATTEMPTS,
  DEFAULT_INBOX_RETRY_BASE_MS,
  DEFAULT_INBOX_RETRY_CAP_MS,
  type InboxRetryOptions,
} from './retry.js';
export type {
  ClaimOptions,
  InboxListFilter,
  InboxQueryResult,
  InboxStore,
  InboxTransaction,
  SettleOutcome,
} from './store.js';
export type { StopOptions } from './worker.js';
