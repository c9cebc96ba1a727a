import type { Clock } from '@brace/core';
import { InboxHandlerTimeoutError, InboxLeaseLostError, InboxStoreError } from './errors.js';
import { attemptError, type ClaimedInboxEvent } from './event.js';
import { emit, type InboxCallbacks } from './events.js';
import {
  handlerFor,
  type InboxEventMap,
  type InboxHandler,
  type InboxHandlers,
} from './handlers.js';
import type { RetryPlan } from './retry.js';
import type { InboxStore, SettleOutcome } from './store.js';

/**
 * What happens to an event that has no handler: `'ignore'` marks it done (and calls
 * `onUnhandled`), `'dead-letter'` keeps it as a dead letter to replay once a handler exists,
 * or a handler of its own.
 *
 * @example
 * ```ts
 * import type { UnhandledPolicy } from '@brace/webhook-inbox';
 *
 * const policy: UnhandledPolicy = 'dead-letter';
 * ```
 */
export type UnhandledPolicy = 'ignore' | 'dead-letter' | InboxHandler<unknown>;

/** What processing one event needs. */
export interface ProcessContext {
  store: InboxStore;
  handlers: InboxHandlers<InboxEventMap>;
  unhandled: UnhandledPolicy;
  plan: RetryPlan;
  callbacks: InboxCallbacks;
  clock: Clock;
  leaseMs: number;
  ordered: boolean;
  /** Aborts a handler (and fails its attempt) after this long; none when undefined. */
  handlerTimeoutMs?: number | undefined;
}

class NoHandlerError extends Error {
  override name = 'NoHandlerError';
}
class LeaseExpiredError extends Error {
  override name = 'LeaseExpiredError';
}

function storeFailed(context: ProcessContext, operation: string, error: unknown): void {
  const typed =
    error instanceof InboxStoreError
      ? error
      : new InboxStoreError(operation, `The inbox store failed to ${operation} an event.`, error);
  emit(context.callbacks.onStoreError, { operation, error: typed });
}

async function settle(
  context: ProcessContext,
  event: ClaimedInboxEvent,
  outcome: SettleOutcome,
): Promise<boolean> {
  try {
    return await context.store.settle(event.id, event.lease, outcome, context.clock.now());
  } catch (error) {
    // The lease expires and another claim retries the event: at least once, never lost.
    storeFailed(context, 'settle', error);
    return false;
  }
}

/** Extends the lease every third of `leaseMs` while the handler runs; aborts it if the lease is lost. */
function heartbeat(
  context: ProcessContext,
  event: ClaimedInboxEvent,
  handler: AbortController,
  stop: AbortSignal,
): Promise<void> {
  const every = Math.max(1, Math.floor(context.leaseMs / 3));
  const beat = async (): Promise<void> => {
    while (!stop.aborted) {
      await context.clock.sleep(every, stop);
      let held = false;
      try {
        held = await context.store.extend(
          event.id,
          event.lease,
          context.clock.now() + context.leaseMs,
        );
      } catch (error) {
        storeFailed(context, 'extend', error);
        continue; // try again next beat; the lease may still be live
      }
      if (!held && !stop.aborted) {
        handler.abort(new InboxLeaseLostError(event.id));
        return;
      }
    }
  };
  return beat().catch(() => {});
}

async function fail(
  context: ProcessContext,
  event: ClaimedInboxEvent,
  error: unknown,
): Promise<void> {
  const entry = attemptError(error, event.attempts, context.clock.now());
  const base = {
    id: event.id,
    provider: event.provider,
    type: event.type,
    attempt: event.attempts,
    error: entry,
  };
  if (event.attempts >= context.plan.attempts) {
    if (await settle(context, event, { status: 'dead', error: entry }))
      emit(context.callbacks.onDeadLetter, base);
    return;
  }
  const delayMs = context.plan.delayAfter(event.attempts, error);
  const settled = await settle(context, event, {
    status: 'retry',
    nextAttemptAt: context.clock.now() + delayMs,
    error: entry,
  });
  if (settled) emit(context.callbacks.onRetry, { ...base, delayMs });
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Runs one claimed event to an outcome: stale, unhandled, done, retry or dead. Never throws:
 * handler errors become retries, store errors become `onStoreError` (the lease then expires and
 * the event is claimed again).
 */
export async function processEvent(
  context: ProcessContext,
  event: ClaimedInboxEvent,
  shutdown: AbortSignal,
): Promise<void> {
  const skipped = { id: event.id, provider: event.provider, type: event.type };
  if (context.ordered && event.watermark !== undefined && event.orderAt < event.watermark) {
    if (await settle(context, event, { status: 'stale' })) {
      emit(context.callbacks.onStale, {
        ...skipped,
        ...(event.resourceKey === undefined ? {} : { resourceKey: event.resourceKey }),
      });
    }
    return;
  }
  if (event.attempts > context.plan.attempts) {
    // Workers died holding it (a handler that crashes the process): stop trying.
    return fail(
      context,
      event,
      new LeaseExpiredError(
        `${event.attempts - 1} attempts ended without an outcome (the worker stopped); not retried again.`,
      ),
    );
  }
  let handler = handlerFor(context.handlers, event.provider, event.type);
  if (handler === undefined) {
    const policy = context.unhandled;
    emit(context.callbacks.onUnhandled, skipped);
    if (policy === 'ignore') {
      await settle(context, event, { status: 'done' });
      return;
    }
    if (policy === 'dead-letter') {
      event.attempts = Math.max(event.attempts, context.plan.attempts);
      return fail(
        context,
        event,
        new NoHandlerError(
          `No handler for ${event.provider} event type ${JSON.stringify(event.type)}.`,
        ),
      );
    }
    handler = policy;
  }
  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdown.reason);
  shutdown.addEventListener('abort', onShutdown, { once: true });
  const beats = new AbortController();
  const beating = heartbeat(context, event, controller, beats.signal);
  const { handlerTimeoutMs } = context;
  if (handlerTimeoutMs !== undefined) {
    context.clock.sleep(handlerTimeoutMs, beats.signal).then(
      () => controller.abort(new InboxHandlerTimeoutError(handlerTimeoutMs)),
      () => {}, // the handler settled first
    );
  }
  const started = context.clock.now();
  let committed = false;
  const { store } = context;
  const transaction =
    store.transaction === undefined
      ? undefined
      : async <R>(
          work: (
            tx: Parameters<Parameters<NonNullable<InboxStore['transaction']>>[3]>[0],
          ) => Promise<R>,
        ) => {
          const result = await store.transaction!(event.id, event.lease, context.clock.now(), work);
          committed = true;
          return result;
        };
  // A handler that ignores its signal must not hold the worker (or `stop()`) forever: once the
  // signal aborts (drain over, lease lost, handler timeout), the attempt ends whatever the
  // handler does.
  const abandoned = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
      once: true,
    });
  });
  try {
    const running = handler(
      {
        id: event.id,
        provider: event.provider,
        eventId: event.eventId,
        type: event.type,
        payload: parse(event.payload),
        raw: event.payload,
        attempt: event.attempts,
        receivedAt: event.receivedAt,
        ...(event.occurredAt === undefined ? {} : { occurredAt: event.occurredAt }),
        ...(event.resourceKey === undefined ? {} : { resourceKey: event.resourceKey }),
        source: event.source,
      },
      { signal: controller.signal, ...(transaction === undefined ? {} : { transaction }) },
    );
    await Promise.race([running, abandoned]);
    controller.signal.throwIfAborted();
  } catch (error) {
    beats.abort();
    await beating;
    shutdown.removeEventListener('abort', onShutdown);
    if (!committed) return fail(context, event, error);
    // Done in the handler's transaction: a later error changes nothing, but is reported.
    emit(context.callbacks.onProcessed, {
      ...skipped,
      attempt: event.attempts,
      durationMs: context.clock.now() - started,
      lateError: attemptError(error, event.attempts, context.clock.now()),
    });
    return;
  }
  beats.abort();
  await beating;
  shutdown.removeEventListener('abort', onShutdown);
  if (committed || (await settle(context, event, { status: 'done' }))) {
    emit(context.callbacks.onProcessed, {
      ...skipped,
      attempt: event.attempts,
      durationMs: context.clock.now() - started,
    });
  }
}
