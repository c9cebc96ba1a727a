import type { ErrorKind, Preset } from '../preset-types.js';
import { wholeSeconds } from './shared.js';

const TYPES: Record<ErrorKind, string> = {
  rate_limited: 'invalid_request_error',
  server_error: 'api_error',
  not_found: 'invalid_request_error',
  bad_request: 'invalid_request_error',
  unauthorized: 'invalid_request_error',
  idempotency_missing: 'invalid_request_error',
  idempotency_mismatch: 'idempotency_error',
  idempotency_in_flight: 'invalid_request_error',
  unsupported_version: 'invalid_request_error',
};

const VERSION = /^(\d{4})-(\d{2})-(\d{2})(?:\.[a-z]+)?$/;

/**
 * Whether `version` is a well-formed Stripe API version: a real calendar date `YYYY-MM-DD`,
 * optionally followed by `.name` (lower-case letters), as in `2025-03-31.basil`.
 *
 * @example
 * ```ts
 * import { isStripeVersion } from '@brace/simulator';
 *
 * isStripeVersion('2023-10-16'); // true
 * isStripeVersion('2025-03-31.basil'); // true
 * isStripeVersion('2019-2-19'); // false
 * ```
 */
export function isStripeVersion(version: string): boolean {
  const match = VERSION.exec(version);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

const CODES: Partial<Record<ErrorKind, string>> = {
  rate_limited: 'rate_limit',
  not_found: 'resource_missing',
  idempotency_in_flight: 'idempotency_key_in_use',
};

/**
 * Stripe's API, from its public documentation:
 * - Rate limits: 429 past the limit (100 operations per second in live mode, 25 in a sandbox);
 *   no rate-limit headers and no `Retry-After`. https://docs.stripe.com/rate-limits
 * - Errors: JSON `{ "error": { "type", "code", "message" } }`, types `api_error`,
 *   `invalid_request_error`, `idempotency_error`. https://docs.stripe.com/api/errors
 * - Idempotency: optional `Idempotency-Key` on POST; the first answer (status and body, 500s
 *   included) is saved and replayed, keys kept at least 24 hours; reuse with other parameters is
 *   an `idempotency_error` (400); a concurrent request with the same key gets 409
 *   `idempotency_key_in_use`. https://docs.stripe.com/api/idempotent_requests
 * - Webhooks: `Stripe-Signature: t=…,v1=…`; failed deliveries retried for up to three days with
 *   exponential backoff. https://docs.stripe.com/webhooks
 * - Version: `Stripe-Version` request header, echoed in the answer; versions are dated,
 *   `YYYY-MM-DD` or, since 2024-09-30, `YYYY-MM-DD.name` (`2025-03-31.basil`). Any well-formed one
 *   is accepted here (the simulator does not know Stripe's release list); a malformed one gets 400
 *   `invalid_request_error` "Invalid Stripe API version: …". https://docs.stripe.com/api/versioning
 *   https://docs.stripe.com/upgrades
 *
 * @example
 * ```ts
 * import { stripe } from '@brace/simulator';
 *
 * stripe.idempotency.mode; // 'optional'
 * ```
 */
export const stripe: Preset = Object.freeze<Preset>({
  name: 'stripe',
  rateLimit: { limit: 25, windowMs: 1000 },
  rateLimitStatus: 429,
  retryAfterOnLimit: false,
  retryAfter: wholeSeconds,
  rateLimitHeaders: () => ({}),
  error(kind, _status, message) {
    const error: Record<string, string> = { type: TYPES[kind], message };
    const code = CODES[kind];
    if (code !== undefined) error.code = code;
    return { contentType: 'application/json', body: { error } };
  },
  idempotency: {
    mode: 'optional',
    header: 'idempotency-key',
    mismatchStatus: 400,
    inFlightStatus: 409,
    replayHeader: ['idempotent-replayed', 'true'],
    ttlMs: 24 * 3_600_000,
  },
  webhookScheme: 'stripe',
  webhookHeaders: () => ({ 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' }),
  // Up to three days, growing: a compressed version of the documented exponential backoff.
  webhookRetryDelaysMs: [
    60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 86_400_000, 86_400_000,
  ],
  version: {
    requestHeader: 'stripe-version',
    responseHeader: 'stripe-version',
    current: '2025-06-30.basil',
    supported: isStripeVersion,
    rejectMessage: (version) => `Invalid Stripe API version: ${version}`,
  },
  docs: [
    'https://docs.stripe.com/rate-limits',
    'https://docs.stripe.com/api/errors',
    'https://docs.stripe.com/api/idempotent_requests',
    'https://docs.stripe.com/webhooks',
    'https://docs.stripe.com/api/versioning',
  ],
});
