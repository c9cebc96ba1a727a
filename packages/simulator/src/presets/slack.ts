import type { ErrorKind, Preset } from '../preset-types.js';
import { wholeSeconds } from './shared.js';

const CODES: Record<ErrorKind, string> = {
  rate_limited: 'ratelimited',
  server_error: 'internal_error',
  not_found: 'unknown_method',
  bad_request: 'invalid_arguments',
  unauthorized: 'not_authed',
  idempotency_missing: 'invalid_arguments',
  idempotency_mismatch: 'invalid_arguments',
  idempotency_in_flight: 'invalid_arguments',
  unsupported_version: 'invalid_arguments',
};

/**
 * Slack's Web API, from its public documentation:
 * - Rate limits: per method tiers (Tier 3: 50+ per minute); past the limit HTTP 429 with
 *   `Retry-After` (seconds) and `{ "ok": false, "error": "ratelimited" }`; no quota headers.
 *   https://docs.slack.dev/apis/web-api/rate-limits
 * - Errors: HTTP 200 with JSON `{ "ok": false, "error": "<code>" }` (429 and 5xx aside).
 *   https://docs.slack.dev/apis/web-api/
 * - No idempotency keys.
 * - Webhooks (Events API): `X-Slack-Signature: v0=…` over `v0:{timestamp}:{body}` with
 *   `X-Slack-Request-Timestamp`; failed deliveries retried 3 times (immediately, after 1 minute,
 *   after 5 minutes) with `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`.
 *   https://docs.slack.dev/authentication/verifying-requests-from-slack
 *   https://docs.slack.dev/apis/events-api/
 * - No version header.
 *
 * @example
 * ```ts
 * import { slack } from '@brace/simulator';
 *
 * slack.webhookScheme; // 'slack'
 * ```
 */
export const slack: Preset = Object.freeze<Preset>({
  name: 'slack',
  rateLimit: { limit: 50, windowMs: 60_000 },
  rateLimitStatus: 429,
  retryAfterOnLimit: true,
  retryAfter: wholeSeconds,
  rateLimitHeaders: () => ({}),
  error(kind, status) {
    return {
      contentType: 'application/json; charset=utf-8',
      body: { ok: false, error: CODES[kind] },
      // The Web API answers its errors 200 with `ok: false`; only rate limits (429) and server
      // failures carry another status.
      status: kind === 'rate_limited' || status >= 500 ? status : 200,
    };
  },
  idempotency: { mode: 'none' },
  webhookScheme: 'slack',
  webhookHeaders(event): Record<string, string> {
    if (event.attempt <= 1) return {};
    return { 'x-slack-retry-num': String(event.attempt - 1), 'x-slack-retry-reason': 'http_error' };
  },
  webhookRetryDelaysMs: [0, 60_000, 300_000],
  docs: [
    'https://docs.slack.dev/apis/web-api/rate-limits',
    'https://docs.slack.dev/apis/web-api/',
    'https://docs.slack.dev/authentication/verifying-requests-from-slack',
    'https://docs.slack.dev/apis/events-api/',
  ],
});
