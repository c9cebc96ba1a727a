import type { Preset } from '../preset-types.js';
import { titleOf, wholeSeconds } from './shared.js';

/**
 * A plain provider that follows the IETF drafts and RFCs, and nothing vendor-specific:
 * - Rate limits: `RateLimit-Policy` and `RateLimit` structured fields of
 *   draft-ietf-httpapi-ratelimit-headers-10 (`"default";q=…;w=…` and `"default";r=…;t=…`),
 *   429 with `Retry-After` (RFC 6585 §4, RFC 9110 §10.2.3).
 *   https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 * - Errors: `application/problem+json` (RFC 9457). https://www.rfc-editor.org/rfc/rfc9457
 * - Idempotency: draft-ietf-httpapi-idempotency-key-header-06: 422 for a key reused with another
 *   payload, 409 while the first request runs, the stored answer replayed once complete.
 *   https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 * - Webhooks: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), with the
 *   retry schedule the specification suggests (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
 *   https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * - No version header.
 *
 * @example
 * ```ts
 * import { ietf } from '@brace/simulator';
 *
 * ietf.rateLimitStatus; // 429
 * ```
 */
export const ietf: Preset = Object.freeze<Preset>({
  name: 'ietf',
  rateLimit: { limit: 60, windowMs: 60_000 },
  rateLimitStatus: 429,
  retryAfterOnLimit: true,
  retryAfter: wholeSeconds,
  rateLimitHeaders(s) {
    return {
      'ratelimit-policy': `"default";q=${s.limit};w=${Math.ceil(s.windowMs / 1000)}`,
      ratelimit: `"default";r=${s.remaining};t=${Math.ceil(s.resetMs / 1000)}`,
    };
  },
  error(kind, status, message) {
    return {
      contentType: 'application/problem+json',
      body: {
        type:
          kind === 'server_error' || kind === 'not_found'
            ? 'about:blank'
            : `https://brace.dev/simulator/problems/${kind.replaceAll('_', '-')}`,
        title: titleOf(status),
        status,
        detail: message,
      },
    };
  },
  idempotency: {
    mode: 'optional',
    header: 'idempotency-key',
    mismatchStatus: 422,
    inFlightStatus: 409,
    replayHeader: ['idempotent-replayed', 'true'],
    ttlMs: 24 * 3_600_000,
  },
  webhookScheme: 'standard-webhooks',
  webhookHeaders: () => ({}),
  webhookRetryDelaysMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
  docs: [
    'https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/',
    'https://www.rfc-editor.org/rfc/rfc9457',
    'https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/',
    'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md',
  ],
});
