// Shared by the ./fetch, ./hono and ./express receivers: problem+json answers and dedupe.
import { WebhookOptionsError, WebhookPayloadError, WebhookVerificationError } from './errors.js';
import type { VerifiedWebhook, VerifyWebhookOptions } from './verify.js';

/** Where a dedupe store keeps one delivery id (structurally `@brace/idempotency`'s `StoreKey`). */
export interface DedupeKey {
  /** `webhook:<provider>`. */
  scope: string;
  /** The delivery id. */
  key: string;
}

/** What `begin` answers (structurally `@brace/idempotency`'s `BeginResult`). */
export type DedupeBeginResult =
  | {
      /** The id is now claimed by this delivery. */
      status: 'acquired';
      /** Proof of the claim, passed back to `complete`/`release`. */
      token: string;
    }
  | {
      /** Another attempt is processing this id right now. */
      status: 'in-progress';
      /** How long (ms) until that claim's lock expires; answered as `Retry-After` (seconds). */
      retryAfterMs: number;
    }
  | {
      /** The id was already processed. */
      status: 'completed';
    }
  | {
      /** The id was seen with a different fingerprint. */
      status: 'mismatch';
    };

/**
 * Any store with `@brace/idempotency`'s contract (memory, SQLite, Redis, PostgreSQL or your own);
 * typed structurally so that this package never imports it.
 */
export interface DedupeStore {
  /** Claims a delivery id. */
  begin(
    key: DedupeKey,
    fingerprint: string,
    options: { lockTtlMs: number; ttlMs: number },
  ): Promise<DedupeBeginResult>;
  /** Marks the delivery processed. */
  complete(
    key: DedupeKey,
    token: string,
    record: { status: number; headers: Array<[string, string]>; body: Uint8Array },
    options: { ttlMs: number },
  ): Promise<boolean>;
  /** Gives the claim up so that the provider's retry processes the delivery. */
  release(key: DedupeKey, token: string): Promise<boolean>;
}

/** How long a processed delivery id is remembered: 7 days (Stripe retries for 3 days). */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3_600_000;
/** How long one delivery may be processing before another attempt may take it over: 5 minutes. */
export const DEFAULT_DEDUPE_LOCK_TTL_MS = 5 * 60_000;
/** The largest `Retry-After` (seconds) on the 409 for a delivery in progress: 30. */
export const DEFAULT_DEDUPE_MAX_RETRY_AFTER_SECONDS = 30;
/** The `Retry-After` (seconds) on the 503 answered when the dedupe store fails: 1. */
export const DEDUPE_STORE_RETRY_AFTER_SECONDS = 1;

/**
 * Whether a delivery the handler answered with `status` is done (its id is recorded, so a
 * redelivery is acknowledged without running the handler): 2xx and 4xx except 408, 409,
 * 425 and 429. Every other status (1xx, 3xx, 5xx, and those four, which say "try again")
 * releases the id so that the provider's retry runs the handler again. The same rule as
 * `defaultCacheStatus` of `@brace/idempotency`'s middleware.
 *
 * @param status - the handler's status
 * @returns whether the delivery is recorded as processed
 *
 * @example
 * ```ts
 * import { isDeliveryDone } from '@brace/webhook-verify/fetch';
 *
 * isDeliveryDone(202); // true
 * isDeliveryDone(429); // false: the provider's retry runs the handler again
 * ```
 */
export function isDeliveryDone(status: number): boolean {
  if (status >= 200 && status < 300) return true;
  if (status < 400 || status >= 500) return false;
  return status !== 408 && status !== 409 && status !== 425 && status !== 429;
}

/** What `onStoreError` receives: a dedupe store operation failed. */
export interface DedupeStoreErrorEvent {
  /** Which store operation failed. */
  phase: 'begin' | 'complete' | 'release';
  /** The store's rejection, or an `Error` saying the claim was lost (complete resolved false). */
  error: unknown;
}

/** Dedupe settings of a receiver. */
export interface DedupeOptions {
  /** The store. */
  store: DedupeStore;
  /** How long processed ids are kept. Default {@link DEFAULT_DEDUPE_TTL_MS}: longer than any provider retries. */
  ttlMs?: number;
  /** How long a delivery may be in progress. Default {@link DEFAULT_DEDUPE_LOCK_TTL_MS}. */
  lockTtlMs?: number;
  /** The delivery id to dedupe on. Default: the verified `id` (from the provider's delivery-id header). */
  key?: (webhook: VerifiedWebhook) => string | undefined;
  /**
   * The store scope ids are deduplicated in. Default `webhook:<provider>`: one scope per
   * provider. Give each endpoint its own (e.g. `'webhook:stripe:/hooks/billing'`) when two
   * endpoints receive the same delivery ids and must each process them.
   */
  scope?: string;
  /**
   * The largest `Retry-After` (seconds, 1 to 86,400) on the 409 answered while another
   * attempt processes the same delivery. Default {@link DEFAULT_DEDUPE_MAX_RETRY_AFTER_SECONDS}.
   */
  maxRetryAfterSeconds?: number;
  /** Called when a store operation fails (log it); a throwing callback is ignored. */
  onStoreError?: (event: DedupeStoreErrorEvent) => void;
}

/** What `onReject` receives. */
export interface RejectEvent {
  /** Why the delivery was refused. */
  error: WebhookVerificationError | WebhookPayloadError;
  /** The HTTP status answered. */
  status: number;
}

/** Options shared by the receivers: everything `verifyWebhook` takes, plus `dedupe` and `onReject`. */
export interface WebhookReceiverOptions extends VerifyWebhookOptions {
  /** Skip deliveries already processed; a store (defaults for the rest) or {@link DedupeOptions}. */
  dedupe?: DedupeStore | DedupeOptions;
  /** Called for every refused delivery (log it); a throwing callback is ignored. */
  onReject?: (event: RejectEvent) => void;
}

/** A problem+json answer. */
export interface ProblemAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  409: 'Conflict',
  413: 'Content Too Large',
  503: 'Service Unavailable',
};

function problem(
  status: number,
  code: string,
  detail: string,
  headers?: Record<string, string>,
): ProblemAnswer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: 'about:blank', title: TITLES[status], status, detail, code }),
  };
}

/** The problem+json answer for a refused delivery, or `undefined` for an unexpected error (rethrow it). */
export function rejection(
  error: unknown,
  onReject: WebhookReceiverOptions['onReject'],
): ProblemAnswer | undefined {
  if (!(error instanceof WebhookVerificationError) && !(error instanceof WebhookPayloadError)) {
    return undefined;
  }
  try {
    onReject?.({ error, status: error.status });
  } catch {
    // A throwing callback never breaks the receiver.
  }
  return problem(error.status, error.code, error.message);
}

/**
 * The 503 answered when the dedupe store fails: the delivery's outcome could not be recorded
 * (or checked), so it is not acknowledged and the provider delivers it again.
 */
export const STORE_UNAVAILABLE: ProblemAnswer = problem(
  503,
  'DEDUPE_STORE_UNAVAILABLE',
  'The delivery could not be recorded as processed; it was not acknowledged. Deliver it again.',
  { 'retry-after': String(DEDUPE_STORE_RETRY_AFTER_SECONDS) },
);

/**
 * What to do with a verified delivery: run the handler, then pass its status (or
 * `undefined` when it threw) to `finish`, which records or releases the id and resolves an
 * answer that replaces the handler's (the 503 when the outcome could not be recorded), or
 * `undefined` to send the handler's own; or acknowledge a duplicate; or answer at once
 * (409 while another attempt runs, 503 when the store failed).
 */
export type Claim =
  | { kind: 'run'; finish(status: number | undefined): Promise<ProblemAnswer | undefined> }
  | { kind: 'duplicate' }
  | { kind: 'answer'; answer: ProblemAnswer };

const RUN_WITHOUT_DEDUPE: Claim = { kind: 'run', finish: async () => undefined };

function report(
  onStoreError: DedupeOptions['onStoreError'],
  phase: DedupeStoreErrorEvent['phase'],
  error: unknown,
): void {
  try {
    onStoreError?.({ phase, error });
  } catch {
    // A throwing callback never breaks the receiver.
  }
}

/** Resolved dedupe settings, checked once per receiver. */
export interface ResolvedDedupe {
  options: DedupeOptions;
  ttlMs: number;
  lockTtlMs: number;
  maxRetryAfterSeconds: number;
}

/** Applies defaults to `dedupe` and checks `maxRetryAfterSeconds`; `undefined` without dedupe. */
export function resolveDedupe(
  dedupe: WebhookReceiverOptions['dedupe'],
): ResolvedDedupe | undefined {
  if (dedupe === undefined) return undefined;
  const options: DedupeOptions = 'store' in dedupe ? dedupe : { store: dedupe };
  const max = options.maxRetryAfterSeconds ?? DEFAULT_DEDUPE_MAX_RETRY_AFTER_SECONDS;
  if (!Number.isInteger(max) || max < 1 || max > 86_400) {
    throw new WebhookOptionsError(
      '`dedupe.maxRetryAfterSeconds` must be an integer from 1 to 86400 (seconds).',
    );
  }
  return {
    options,
    ttlMs: options.ttlMs ?? DEFAULT_DEDUPE_TTL_MS,
    lockTtlMs: options.lockTtlMs ?? DEFAULT_DEDUPE_LOCK_TTL_MS,
    maxRetryAfterSeconds: max,
  };
}

/**
 * Claims the delivery id in the dedupe store (when configured). The one rule of all three
 * receivers: a delivery is acknowledged only once its outcome is recorded. A failing
 * `begin` answers 503 + Retry-After without running the handler; a handler status that
 * {@link isDeliveryDone} records is recorded before the handler's answer goes out, and a
 * failing (or lost) record replaces that answer with the 503; any other status, or a throw,
 * releases the id so that the provider's retry runs the handler again.
 */
export async function claim(
  dedupe: ResolvedDedupe | undefined,
  webhook: VerifiedWebhook,
): Promise<Claim> {
  if (dedupe === undefined) return RUN_WITHOUT_DEDUPE;
  const { options, ttlMs, lockTtlMs, maxRetryAfterSeconds } = dedupe;
  const id = options.key ? options.key(webhook) : webhook.id;
  if (id === undefined || id === '') return RUN_WITHOUT_DEDUPE;
  const { store, onStoreError } = options;
  const where: DedupeKey = { scope: options.scope ?? `webhook:${webhook.provider}`, key: id };
  let begun: DedupeBeginResult;
  try {
    begun = await store.begin(where, 'webhook', { lockTtlMs, ttlMs });
  } catch (error) {
    report(onStoreError, 'begin', error);
    return { kind: 'answer', answer: STORE_UNAVAILABLE };
  }
  if (begun.status === 'in-progress') {
    const seconds = Math.min(
      maxRetryAfterSeconds,
      Math.max(1, Math.ceil(begun.retryAfterMs / 1000)),
    );
    return {
      kind: 'answer',
      answer: problem(
        409,
        'DELIVERY_IN_PROGRESS',
        'This delivery is being processed by another request; retry later.',
        { 'retry-after': String(seconds) },
      ),
    };
  }
  if (begun.status !== 'acquired') return { kind: 'duplicate' };
  const { token } = begun;
  return {
    kind: 'run',
    async finish(status) {
      if (status === undefined || !isDeliveryDone(status)) {
        try {
          await store.release(where, token);
        } catch (error) {
          // The answer is a failure anyway; the id stays claimed until lockTtlMs.
          report(onStoreError, 'release', error);
        }
        return undefined;
      }
      try {
        const owned = await store.complete(
          where,
          token,
          { status, headers: [], body: new Uint8Array(0) },
          { ttlMs },
        );
        if (owned) return undefined;
        report(
          onStoreError,
          'complete',
          new Error(
            'The claim on the delivery id expired or was taken over before it was recorded.',
          ),
        );
      } catch (error) {
        report(onStoreError, 'complete', error);
      }
      return STORE_UNAVAILABLE;
    },
  };
}
