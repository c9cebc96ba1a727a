import type { ProviderPreset } from '../preset-types.js';

/**
 * Stripe's API, from its public documentation:
 * - Version: `Stripe-Version` on every call. https://docs.stripe.com/api/versioning
 * - Auth: `Authorization: Bearer <secret key>`. https://docs.stripe.com/api/authentication
 * - Rate limits: 100 operations per second in live mode (25 in a sandbox); 429 past it, with no
 *   rate-limit headers: the limiter keeps to the documented rate and backs off on 429s.
 *   https://docs.stripe.com/rate-limits
 * - Idempotency: `Idempotency-Key` on POST, a bare V4 UUID (up to 255 characters); replays the
 *   first answer for 24 hours; 409 `idempotency_key_in_use` while the first still runs (retried),
 *   `idempotency_error` when reused with other parameters. https://docs.stripe.com/api/idempotent_requests
 * - Errors: JSON `{ error: { type, code, message, param, doc_url } }`. https://docs.stripe.com/api/errors
 * - Webhooks: `Stripe-Signature: t=…,v1=…`; the event id is in the body. https://docs.stripe.com/webhooks
 *
 * @example
 * ```ts
 * import { defineIntegration } from '@brace/client';
 * import { stripe } from '@brace/client/presets';
 *
 * const billing = defineIntegration({ preset: stripe, auth: { token: process.env.STRIPE_KEY ?? '' } });
 * await billing.post('v1/customers', { body: new URLSearchParams({ email: 'a@example.com' }) });
 * ```
 */
export const stripe: ProviderPreset = Object.freeze<ProviderPreset>({
  name: 'stripe',
  baseUrl: 'https://api.stripe.com/',
  version: { header: 'stripe-version', default: '2025-06-30.basil' },
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimit: { policies: [{ limit: 100, intervalMs: 1000 }] },
  idempotency: { header: 'idempotency-key', format: 'token' },
  normalizeError(body, { status }) {
    const error = (body as { error?: unknown } | undefined)?.error;
    if (typeof error !== 'object' || error === null) return undefined;
    const { type, code, message, param, doc_url: doc } = error as Record<string, unknown>;
    const extensions: Record<string, unknown> = {};
    if (typeof code === 'string') extensions.code = code;
    if (typeof param === 'string') extensions.param = param;
    return {
      type:
        typeof doc === 'string'
          ? doc
          : typeof code === 'string'
            ? `https://docs.stripe.com/error-codes#${code}`
            : 'about:blank',
      title: typeof type === 'string' ? type : undefined,
      detail: typeof message === 'string' ? message : undefined,
      status,
      extensions,
    };
  },
  webhook: { scheme: 'stripe', idHeader: undefined },
  validatePath: 'v1/balance',
  docs: [
    'https://docs.stripe.com/api/versioning',
    'https://docs.stripe.com/api/authentication',
    'https://docs.stripe.com/rate-limits',
    'https://docs.stripe.com/api/idempotent_requests',
    'https://docs.stripe.com/api/errors',
    'https://docs.stripe.com/webhooks',
  ],
});
