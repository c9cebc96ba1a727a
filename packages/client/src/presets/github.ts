import type { ProviderPreset } from '../preset-types.js';

const DOCS = 'https://docs.github.com/rest';

/**
 * GitHub's REST API, from its public documentation:
 * - Version: `X-GitHub-Api-Version: 2022-11-28` on every call.
 *   https://docs.github.com/rest/about-the-rest-api/api-versions
 * - Auth: `Authorization: Bearer <token>`.
 *   https://docs.github.com/rest/authentication/authenticating-to-the-rest-api
 * - Rate limits: 5,000 requests per hour per user; `x-ratelimit-limit/-remaining/-used/-reset`
 *   (reset in UTC epoch seconds) on every answer; past the primary or a secondary limit, 403 or
 *   429 with `x-ratelimit-remaining: 0` or `retry-after`; at most 100 concurrent requests.
 *   https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
 * - Errors: JSON `{ message, documentation_url }`.
 *   https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api
 * - No idempotency keys: a retried POST could create twice, so POSTs are never retried.
 * - Webhooks: `X-Hub-Signature-256`, delivery id in `X-GitHub-Delivery`.
 *   https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 *
 * @example
 * ```ts
 * import { defineIntegration } from '@brace/client';
 * import { github } from '@brace/client/presets';
 *
 * const gh = defineIntegration({ preset: github, auth: { token: process.env.GITHUB_TOKEN ?? '' } });
 * const limits = await gh.get('rate_limit').json();
 * ```
 */
export const github: ProviderPreset = Object.freeze<ProviderPreset>({
  name: 'github',
  baseUrl: 'https://api.github.com/',
  version: { header: 'x-github-api-version', default: '2022-11-28' },
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimit: { policies: [{ limit: 5000, intervalMs: 3_600_000 }], concurrency: 100 },
  idempotency: false,
  isRateLimited: (status, headers) =>
    status === 403 && (headers.get('x-ratelimit-remaining') === '0' || headers.has('retry-after')),
  normalizeError(body, { status }) {
    const { message, documentation_url: doc } = (body ?? {}) as Record<string, unknown>;
    if (typeof message !== 'string') return undefined;
    return {
      type: typeof doc === 'string' ? doc : 'about:blank',
      title: message,
      status,
      extensions: {},
    };
  },
  webhook: { scheme: 'github', idHeader: 'x-github-delivery' },
  validatePath: 'rate_limit',
  docs: [
    `${DOCS}/about-the-rest-api/api-versions`,
    `${DOCS}/authentication/authenticating-to-the-rest-api`,
    `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api`,
    `${DOCS}/using-the-rest-api/troubleshooting-the-rest-api`,
    'https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries',
  ],
});
