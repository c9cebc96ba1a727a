// Shared by the ./fetch, ./hono and ./express receivers: problem+json answers and dedupe.
import { WebhookPayloadError, WebhookVerificationError } from './errors.js';
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

/** What to do with a verified delivery. */
export type Claim =
  | { kind: 'run'; settle(succeeded: boolean, status: number): Promise<void> }
  | { kind: 'duplicate' }
  | { kind: 'busy'; answer: ProblemAnswer };

const RUN_WITHOUT_DEDUPE: Claim = { kind: 'run', settle: async () => {} };

/** Claims the delivery id in the dedupe store (when configured). */
export async function claim(
  dedupe: WebhookReceiverOptions['dedupe'],
  webhook: VerifiedWebhook,
): Promise<Claim> {
  if (dedupe === undefined) return RUN_WITHOUT_DEDUPE;
  const options: DedupeOptions = 'store' in dedupe ? dedupe : { store: dedupe };
  const id = options.key ? options.key(webhook) : webhook.id;
  if (id === undefined || id === '') return RUN_WITHOUT_DEDUPE;
  const { store } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_DEDUPE_TTL_MS;
  const where: DedupeKey = { scope: `webhook:${webhook.provider}`, key: id };
  const begun = await store.begin(where, 'webhook', {
    lockTtlMs: options.lockTtlMs ?? DEFAULT_DEDUPE_LOCK_TTL_MS,
    ttlMs,
  });
  if (begun.status === 'in-progress') {
    const seconds = Math.max(1, Math.ceil(begun.retryAfterMs / 1000));
    return {
      kind: 'busy',
      answer: problem(
        409,
        'DELIVERY_IN_PROGRESS',
        'This delivery is being processed by another request; retry later.',
        {
          'retry-after': String(seconds),
        },
      ),
    };
  }
  if (begun.status !== 'acquired') return { kind: 'duplicate' };
  const { token } = begun;
  return {
    kind: 'run',
    async settle(succeeded, status) {
      if (succeeded) {
        await store.complete(
          where,
          token,
          { status, headers: [], body: new Uint8Array(0) },
          { ttlMs },
        );
      } else {
        await store.release(where, token);
      }
    },
  };
}
