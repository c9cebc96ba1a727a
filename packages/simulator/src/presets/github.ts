import type { Preset } from '../preset-types.js';
import { wholeSeconds } from './shared.js';

const DOCS_ERRORS = 'https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api';

/**
 * GitHub's REST API, from its public documentation:
 * - Rate limits: `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-used`,
 *   `x-ratelimit-reset` (UTC epoch seconds) and `x-ratelimit-resource` on every answer; past the
 *   primary limit "403 Forbidden or 429 Too Many Requests" with `x-ratelimit-remaining: 0` and no
 *   `Retry-After` (the client waits for `x-ratelimit-reset`). This preset answers 403, the
 *   harder case for clients. 5,000 requests per hour for authenticated users. Secondary limits:
 *   403 or 429 with a message saying so and possibly `Retry-After`; the injected `rateLimit`
 *   faults answer that way (429, `Retry-After`, the secondary-limit message).
 *   https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
 * - Errors: JSON `{ "message": …, "documentation_url": … }`.
 *   https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api
 * - No `Idempotency-Key` support: a retried POST creates twice.
 * - Webhooks: `X-Hub-Signature-256: sha256=…` over the raw body, `X-GitHub-Event`,
 *   `X-GitHub-Delivery`; GitHub does not redeliver failed deliveries automatically.
 *   https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 *   https://docs.github.com/webhooks/using-webhooks/handling-failed-webhook-deliveries
 * - Version: request header `X-GitHub-Api-Version: 2022-11-28`; an unsupported version gets 400.
 *   https://docs.github.com/rest/about-the-rest-api/api-versions
 *
 * @example
 * ```ts
 * import { github } from '@brace/simulator';
 *
 * github.rateLimitStatus; // 403
 * ```
 */
export const github: Preset = Object.freeze<Preset>({
  name: 'github',
  rateLimit: { limit: 5000, windowMs: 3_600_000 },
  rateLimitStatus: 403,
  retryAfterOnLimit: false,
  retryAfter: wholeSeconds,
  rateLimitHeaders(s) {
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-reset': String(Math.ceil((s.now + (s.resetMs || s.windowMs)) / 1000)),
      'x-ratelimit-resource': 'core',
    };
  },
  error(kind, status, message) {
    // 403 is this preset's primary limit; an injected 429 (the `rateLimit` faults, which carry
    // Retry-After and leave x-ratelimit-remaining above 0) reads as a secondary limit, the way
    // GitHub words it (clients tell the two limits apart by that message).
    const text =
      kind !== 'rate_limited'
        ? message
        : status === 429
          ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
          : 'API rate limit exceeded. Check the x-ratelimit-reset header for when you can retry.';
    return {
      contentType: 'application/json; charset=utf-8',
      body: { message: text, documentation_url: DOCS_ERRORS },
    };
  },
  idempotency: { mode: 'none' },
  webhookScheme: 'github',
  webhookHeaders: (event) => ({
    'x-github-event': event.type,
    'x-github-delivery': event.id,
    'user-agent': 'GitHub-Hookshot/brace-simulator',
  }),
  webhookRetryDelaysMs: [],
  version: {
    requestHeader: 'x-github-api-version',
    responseHeader: 'x-github-api-version-selected',
    current: '2022-11-28',
    supported: ['2022-11-28'],
  },
  docs: [
    'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
    DOCS_ERRORS,
    'https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries',
    'https://docs.github.com/webhooks/using-webhooks/handling-failed-webhook-deliveries',
    'https://docs.github.com/rest/about-the-rest-api/api-versions',
  ],
});
