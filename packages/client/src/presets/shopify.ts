import type { ProviderPreset } from '../preset-types.js';

/**
 * Shopify's REST Admin API, from its public documentation:
 * - Version: in the path, `/admin/api/2025-01/`; give your shop's URL as `baseUrl`, keeping
 *   `{version}`. https://shopify.dev/docs/api/usage/versioning
 * - Auth: `X-Shopify-Access-Token: <token>`. https://shopify.dev/docs/api/admin-rest#authentication
 * - Rate limits: a bucket of 40 requests per app and store, leaking 2 per second (standard
 *   plans), reported as `X-Shopify-Shop-Api-Call-Limit: 32/40`; past it 429 with
 *   `Retry-After: 2.0`. The policy keeps the sustained rate (40 per 20 s); the limiter also reads
 *   the header. https://shopify.dev/docs/api/admin-rest/usage/rate-limits
 * - Errors: JSON `{ errors: … }` (a string, a list or a field map).
 *   https://shopify.dev/docs/api/admin-rest/usage/response-codes
 * - No idempotency keys on the REST Admin API: POSTs are never retried.
 * - Webhooks: `X-Shopify-Hmac-Sha256`, id in `X-Shopify-Webhook-Id`.
 *   https://shopify.dev/docs/apps/build/webhooks/subscribe/https
 *
 * @example
 * ```ts
 * import { defineIntegration } from '@brace/client';
 * import { shopify } from '@brace/client/presets';
 *
 * const shop = defineIntegration({
 *   preset: shopify,
 *   baseUrl: 'https://my-shop.myshopify.com/admin/api/{version}/',
 *   auth: { token: process.env.SHOPIFY_TOKEN ?? '' },
 * });
 * const { shop: info } = await shop.get('shop.json').json<{ shop: { name: string } }>();
 * ```
 */
export const shopify: ProviderPreset = Object.freeze<ProviderPreset>({
  name: 'shopify',
  baseUrl: 'https://{shop}.myshopify.com/admin/api/{version}/',
  version: { header: undefined, default: '2025-01' },
  auth: { header: 'x-shopify-access-token', prefix: '' },
  rateLimit: { policies: [{ limit: 40, intervalMs: 20_000 }] },
  idempotency: false,
  normalizeError(body, { status }) {
    const errors = (body as { errors?: unknown } | undefined)?.errors;
    if (errors === undefined || errors === null) return undefined;
    if (typeof errors === 'string')
      return { type: 'about:blank', title: errors, status, extensions: {} };
    return { type: 'about:blank', status, extensions: { errors } };
  },
  webhook: { scheme: 'shopify', idHeader: 'x-shopify-webhook-id' },
  validatePath: 'shop.json',
  docs: [
    'https://shopify.dev/docs/api/usage/versioning',
    'https://shopify.dev/docs/api/admin-rest#authentication',
    'https://shopify.dev/docs/api/admin-rest/usage/rate-limits',
    'https://shopify.dev/docs/api/admin-rest/usage/response-codes',
    'https://shopify.dev/docs/apps/build/webhooks/subscribe/https',
  ],
});
