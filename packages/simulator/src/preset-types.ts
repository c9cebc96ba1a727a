import type { ProviderName } from '@brace/webhook-verify';
import type { RateLimitState } from './rate-window.js';

/**
 * Why the provider answers with an error; each preset words and shapes it its own way.
 *
 * @example
 * ```ts
 * import type { ErrorKind } from '@brace/simulator';
 *
 * const kind: ErrorKind = 'rate_limited';
 * ```
 */
export type ErrorKind =
  | 'rate_limited'
  | 'server_error'
  | 'not_found'
  | 'bad_request'
  | 'unauthorized'
  | 'idempotency_missing'
  | 'idempotency_mismatch'
  | 'idempotency_in_flight'
  | 'unsupported_version';

/**
 * An error answer as a preset shapes it.
 *
 * @example
 * ```ts
 * import type { ErrorAnswer } from '@brace/simulator';
 *
 * const answer: ErrorAnswer = { contentType: 'application/json', body: { message: 'Not Found' } };
 * ```
 */
export interface ErrorAnswer {
  /** The `Content-Type` of the body. */
  contentType: string;
  /** The JSON body. */
  body: unknown;
  /** The status to answer instead of the one the provider chose (Slack answers most errors 200). */
  status?: number;
}

/**
 * How a provider treats `Idempotency-Key` on POST (and PATCH).
 *
 * @example
 * ```ts
 * import type { IdempotencyBehaviour } from '@brace/simulator';
 *
 * const none: IdempotencyBehaviour = { mode: 'none' };
 * ```
 */
export type IdempotencyBehaviour =
  | {
      /** `none`: the provider ignores idempotency keys (a retried POST creates twice). */
      mode: 'none';
    }
  | {
      /** `optional`: honoured when sent; `required`: 400 without one. */
      mode: 'optional' | 'required';
      /** The request header (lower case). */
      header: string;
      /** Status when a key is reused with another payload. */
      mismatchStatus: number;
      /** Status when a key is reused while the first request still runs. */
      inFlightStatus: number;
      /** Header added to replayed answers, if the provider marks them. */
      replayHeader?: readonly [name: string, value: string];
      /** How long keys are kept (ms). */
      ttlMs: number;
    };

/**
 * Everything that makes the simulator answer like one provider. Build your own with the same
 * shape, or start from a built-in one: `{ ...presets.stripe, name: 'mine' }`.
 *
 * @example
 * ```ts
 * import { presets, type Preset } from '@brace/simulator';
 *
 * const strict: Preset = { ...presets.ietf, name: 'strict', rateLimit: { limit: 5, windowMs: 1000 } };
 * ```
 */
export interface Preset {
  /** A short name (used in the CLI's `--preset`). */
  name: string;
  /** The provider's documented default limit (override with `createProvider({ rateLimit })`). */
  rateLimit: {
    /** Requests per window. */
    limit: number;
    /** The window, ms. */
    windowMs: number;
  };
  /** 429 or, as GitHub does for its primary limit, 403. */
  rateLimitStatus: number;
  /** Whether a rate-limited answer carries `Retry-After`. */
  retryAfterOnLimit: boolean;
  /** Formats `Retry-After` (seconds) for a wait in ms. */
  retryAfter(waitMs: number): string;
  /** The rate-limit headers sent on every answer. */
  rateLimitHeaders(state: RateLimitState): Record<string, string>;
  /** The error body for an error kind and status. */
  error(kind: ErrorKind, status: number, message: string): ErrorAnswer;
  /** Idempotency-key behaviour. */
  idempotency: IdempotencyBehaviour;
  /** The `@brace/webhook-verify` scheme its webhooks are signed with. */
  webhookScheme: ProviderName;
  /** Extra headers on each webhook delivery (event name, delivery id, attempt). */
  webhookHeaders(event: { id: string; type: string; attempt: number }): Record<string, string>;
  /** Delays between delivery attempts after a non-2xx answer (the provider's schedule). */
  webhookRetryDelaysMs: readonly number[];
  /** The API version header, if the provider has one. */
  version?: {
    /** The request header a client may send. */
    requestHeader: string;
    /** The response header the provider answers with. */
    responseHeader: string;
    /** The version answered when the client sends none. */
    current: string;
    /**
     * Versions accepted (others get 400): a list, or a test of the version (Stripe accepts any
     * well-formed dated version).
     */
    supported: readonly string[] | ((version: string) => boolean);
    /** The 400's message for a version not accepted (default `API version … is not supported.`). */
    rejectMessage?: (version: string) => string;
  };
  /** The public documentation each behaviour was taken from. */
  docs: readonly string[];
}

/**
 * Whether a preset's version settings accept the version a request asked for.
 *
 * @example
 * ```ts
 * import { presets, versionAccepted } from '@brace/simulator';
 *
 * versionAccepted(presets.stripe.version!, '2024-06-20'); // true
 * versionAccepted(presets.stripe.version!, '2024-6-20'); // false
 * ```
 */
export function versionAccepted(version: NonNullable<Preset['version']>, asked: string): boolean {
  const { supported } = version;
  return typeof supported === 'function' ? supported(asked) : supported.includes(asked);
}
