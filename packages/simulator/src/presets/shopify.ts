import type { Preset } from '../preset-types.js';

/**
 * Shopify's REST Admin API, from its public documentation:
 * - Rate limits: a bucket of 40 requests per app and store that leaks 2 requests per second
 *   (standard plans), reported as `X-Shopify-Shop-Api-Call-Limit: 32/40`; past it 429 with
 *   `Retry-After: 2.0`. Simulated as a rolling window of 40 requests per 20 s, the same
 *   sustained rate. https://shopify.dev/docs/api/admin-rest/usage/rate-limits
 * - Errors: JSON `{ "errors": … }`. https://shopify.dev/docs/api/admin-rest/usage/response-codes
 * - No `Idempotency-Key` support on the REST Admin API.
 * - Webhooks: `X-Shopify-Hmac-Sha256` (base64 HMAC of the raw body), `X-Shopify-Topic`,
 *   `X-Shopify-Webhook-Id`, `X-Shopify-Triggered-At`; a failed delivery is retried 8 times over
 *   4 hours. https://shopify.dev/docs/apps/build/webhooks/subscribe/https
 * - Version: in the path (`/admin/api/2025-01/…`), answered in `X-Shopify-API-Version`.
 *   https://shopify.dev/docs/api/usage/versioning
 *
 * @example
 * ```ts
 * import { shopify } from '@brace/simulator';
 *
 * shopify.rateLimit; // { limit: 40, windowMs: 20_000 }
 * ```
 */
export const shopify: Preset = Object.freeze<Preset>({
  name: 'shopify',
  rateLimit: { limit: 40, windowMs: 20_000 },
  rateLimitStatus: 429,
  retryAfterOnLimit: true,
  retryAfter: () => '2.0',
  rateLimitHeaders: (s) => ({ 'x-shopify-shop-api-call-limit': `${s.used}/${s.limit}` }),
  error(kind, _status, message) {
    const text =
      kind === 'rate_limited'
        ? 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.'
        : message;
    return { contentType: 'application/json; charset=utf-8', body: { errors: text } };
  },
  idempotency: { mode: 'none' },
  webhookScheme: 'shopify',
  webhookHeaders: (event) => ({
    'x-shopify-topic': event.type,
    'x-shopify-api-version': '2025-01',
    'x-shopify-shop-domain': 'brace-simulator.myshopify.com',
  }),
  // Eight retries within four hours.
  webhookRetryDelaysMs: [
    60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 6_000_000,
  ],
  version: {
    requestHeader: 'x-shopify-api-version',
    responseHeader: 'x-shopify-api-version',
    current: '2025-01',
    supported: ['2024-10', '2025-01', '2025-04'],
  },
  docs: [
    'https://shopify.dev/docs/api/admin-rest/usage/rate-limits',
    'https://shopify.dev/docs/api/admin-rest/usage/response-codes',
    'https://shopify.dev/docs/apps/build/webhooks/subscribe/https',
    'https://shopify.dev/docs/api/usage/versioning',
  ],
});
