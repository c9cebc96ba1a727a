import { type Clock, type HeadersInput, systemClock } from '@brace/core';
import type { VerifiedWebhook, VerifyWebhookOptions, WebhookInput } from '@brace/webhook-verify';
import type { InboxAnswer } from './answer.js';
import { type DeadLetters, deadLetters } from './dead-letters.js';
import { InboxOptionsError } from './errors.js';
import { emit, type InboxCallbacks } from './events.js';
import type { InboxEventMap, InboxHandlers } from './handlers.js';
import type { UnhandledPolicy } from './process.js';
import { checkProviders } from './provider-options.js';
import {
  accept,
  type InboxProviderOptions,
  type ReceiveContext,
  receive,
  verifyOptions,
} from './receive.js';
import { type ReconcileOptions, type ReconcileResult, reconcile } from './reconcile.js';
import { type InboxRetryOptions, retryPlan } from './retry.js';
import type { InboxStore } from './store.js';
import { type StopOptions, WorkerLoop } from './worker.js';

/** Default handlers running at once per inbox: 4. */
export const DEFAULT_INBOX_CONCURRENCY = 4;
/** Default lease: 5 minutes (extended every third of it while a handler runs). */
export const DEFAULT_INBOX_LEASE_MS = 5 * 60_000;
/** Default poll interval when idle: 1 s (a local delivery wakes the worker at once). */
export const DEFAULT_INBOX_POLL_INTERVAL_MS = 1_000;

/**
 * Options of {@link createInbox}.
 *
 * @example
 * ```ts
 * import { memoryInboxStore, type InboxOptions } from '@brace/webhook-inbox';
 *
 * const options: InboxOptions = {
 *   store: memoryInboxStore(),
 *   providers: { stripe: { secret: 'whsec_test' } },
 *   handlers: { stripe: { 'invoice.paid': async () => {} } },
 *   retry: { attempts: 5 },
 * };
 * ```
 */
export interface InboxOptions<M extends object = InboxEventMap> extends InboxCallbacks {
  /** Where events live: `memoryInboxStore()`, `sqliteInboxStore()` or `postgresInboxStore()`. */
  store: InboxStore;
  /** The providers you receive from, by name: secrets and verification options. */
  providers: NoInfer<{ [P in keyof M]: InboxProviderOptions }>;
  /** Handlers by provider and event type. */
  handlers: NoInfer<InboxHandlers<M>>;
  /** Events without a handler: `'ignore'` (done), `'dead-letter'` or a fallback handler. Default `'ignore'`; `onUnhandled` is called either way. */
  unhandled?: UnhandledPolicy;
  /** Retries of failed handlers, then the dead-letter state. */
  retry?: InboxRetryOptions;
  /** Handlers running at once in this process. Default {@link DEFAULT_INBOX_CONCURRENCY}. */
  concurrency?: number;
  /** `'resource'`: process events of one resource in the provider's order and skip stale ones. Default: no ordering. */
  orderBy?: 'resource';
  /** How long a claim lasts before another worker may take the event. Default {@link DEFAULT_INBOX_LEASE_MS}. */
  leaseMs?: number;
  /**
   * The longest a handler may run, in ms: then its `signal` aborts with an
   * {@link InboxHandlerTimeoutError}, the attempt counts as failed (retried, then dead-lettered,
   * with the timeout in the error history) and its slot is freed. A handler that ignores the
   * signal keeps running in the background, but its outcome no longer counts (a handler
   * transaction it commits late is refused once the event was settled). Default: none.
   */
  handlerTimeoutMs?: number;
  /** How often an idle worker polls the store. Default {@link DEFAULT_INBOX_POLL_INTERVAL_MS}. */
  pollIntervalMs?: number;
  /** This worker's id in leases. Default: a random one. */
  worker?: string;
  /** Time source (leases, retries, received times, and the replay window of providers without their own `now`). Default `systemClock`. */
  clock?: Clock;
  /** Random source in [0, 1) for retry jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * An inbox: receivers that store verified events, workers that process them, and the
 * dead-letter and reconciliation tools.
 *
 * @example
 * ```ts
 * import { createInbox, memoryInboxStore, type Inbox } from '@brace/webhook-inbox';
 *
 * const inbox: Inbox = createInbox({ store: memoryInboxStore(), providers: { github: { secret: 's' } }, handlers: {} });
 * ```
 */
export interface Inbox {
  /** Verifies a delivery for `provider`, stores it and answers (200 only once stored). */
  receive(provider: string, input: WebhookInput): Promise<InboxAnswer>;
  /** A Fetch receiver for one provider: `(request) => Promise<Response>`. */
  fetch(provider: string): (request: Request) => Promise<Response>;
  /** Stores a delivery already verified by `@brace/webhook-verify` (used by the Express adapter). */
  accept(provider: string, webhook: VerifiedWebhook, headers: HeadersInput): Promise<InboxAnswer>;
  /**
   * The `verifyWebhook` options of a configured provider, with an `onReject` that reports a
   * refused delivery through the inbox's `onRejected` (for receivers built on
   * `@brace/webhook-verify`'s adapters, like `./express`).
   */
  verifyOptions(provider: string): VerifyWebhookOptions & {
    /** Reports a refused delivery to the inbox's `onRejected`. */
    onReject: (event: { error: { code: string }; status: number }) => void;
  };
  /** Starts the worker loop in this process. */
  start(): void;
  /** Stops claiming; running handlers get `drainMs` to finish. */
  stop(options?: StopOptions): Promise<void>;
  /** Claims once and runs what it claimed to an outcome; answers how many (for cron jobs and tests). */
  runOnce(): Promise<number>;
  /** Dead letters: list, inspect, replay, discard. */
  readonly deadLetters: DeadLetters;
  /** Stores what the provider lists but never delivered, through the same dedupe. */
  reconcile(options: ReconcileOptions): Promise<ReconcileResult>;
  /** The store, for queries of your own. */
  readonly store: InboxStore;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1)
    throw new InboxOptionsError(`${name} must be a whole number of at least 1.`);
  return v;
}

/**
 * Creates an inbox. Deliveries are verified with `@brace/webhook-verify`, committed to the
 * store (deduplicated permanently on provider + event id) and only then acknowledged;
 * workers started with `start()` run the handlers, retry failures with exponential backoff
 * and move what still fails to the dead-letter state.
 *
 * @param options - store, providers, handlers and the worker settings
 * @returns the {@link Inbox}
 *
 * @example
 * ```ts
 * import { createInbox } from '@brace/webhook-inbox';
 * import { sqliteInboxStore } from '@brace/webhook-inbox/sqlite';
 * import { DatabaseSync } from 'node:sqlite';
 *
 * const inbox = createInbox({
 *   store: sqliteInboxStore({ database: new DatabaseSync('inbox.db') }),
 *   providers: { stripe: { secret: process.env.STRIPE_WEBHOOK_SECRET! } },
 *   handlers: {
 *     stripe: { 'invoice.paid': async (event) => void event.payload },
 *   },
 * });
 * inbox.start();
 * export default { fetch: inbox.fetch('stripe') };
 * ```
 */
export function createInbox<M extends object = InboxEventMap>(options: InboxOptions<M>): Inbox {
  if (typeof options?.store?.insert !== 'function') {
    throw new InboxOptionsError(
      'store must be an inbox store (memoryInboxStore(), sqliteInboxStore() or postgresInboxStore()).',
    );
  }
  const providers = checkProviders(options.providers);
  const clock = options.clock ?? systemClock;
  const plan = retryPlan(options.retry, options.random);
  const concurrency = positive('concurrency', options.concurrency, DEFAULT_INBOX_CONCURRENCY);
  const leaseMs = positive('leaseMs', options.leaseMs, DEFAULT_INBOX_LEASE_MS);
  const pollIntervalMs = positive(
    'pollIntervalMs',
    options.pollIntervalMs,
    DEFAULT_INBOX_POLL_INTERVAL_MS,
  );
  const handlerTimeoutMs =
    options.handlerTimeoutMs === undefined
      ? undefined
      : positive('handlerTimeoutMs', options.handlerTimeoutMs, 1);
  const unhandled = options.unhandled ?? 'ignore';
  if (unhandled !== 'ignore' && unhandled !== 'dead-letter' && typeof unhandled !== 'function') {
    throw new InboxOptionsError("unhandled must be 'ignore', 'dead-letter' or a handler.");
  }
  const { store } = options;
  const loop = new WorkerLoop({
    store,
    handlers: options.handlers as InboxHandlers<InboxEventMap>,
    unhandled,
    plan,
    callbacks: options,
    clock,
    leaseMs,
    ordered: options.orderBy === 'resource',
    worker: options.worker ?? crypto.randomUUID().slice(0, 8),
    concurrency,
    pollIntervalMs,
    handlerTimeoutMs,
  });
  const context: ReceiveContext = {
    store,
    providers,
    callbacks: options,
    now: () => clock.now(),
    stored: () => loop.wake(),
  };
  const known = (provider: string): string => {
    if (!Object.hasOwn(providers, provider)) {
      throw new InboxOptionsError(
        `provider ${JSON.stringify(provider)} is not configured; add it to providers.`,
      );
    }
    return provider;
  };
  return {
    receive: (provider, input) => receive(context, known(provider), input),
    fetch(provider) {
      known(provider);
      return async (request) => {
        const answer = await receive(context, provider, request);
        return new Response(answer.body, { status: answer.status, headers: answer.headers });
      };
    },
    accept: (provider, webhook, headers) => accept(context, known(provider), webhook, headers),
    verifyOptions: (provider) => ({
      ...verifyOptions(providers[known(provider)]!, provider, context.now),
      onReject: ({ error, status }) =>
        emit(options.onRejected, { provider, code: error.code, status }),
    }),
    start: () => loop.start(),
    stop: (stopOptions) => loop.stop(stopOptions),
    runOnce: () => loop.runOnce(),
    deadLetters: deadLetters(store, clock, () => loop.wake()),
    reconcile: (reconcileOptions) =>
      reconcile(context, known(reconcileOptions.provider), reconcileOptions),
    store,
  };
}
