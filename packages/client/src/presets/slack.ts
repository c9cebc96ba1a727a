import type { ProviderPreset } from '../preset-types.js';

/**
 * Slack's Web API, from its public documentation:
 * - No version header.
 * - Auth: `Authorization: Bearer <xoxb-… token>`. https://docs.slack.dev/authentication/tokens
 * - Rate limits: per method tiers (Tier 3, most read methods: 50+ per minute; Tier 2: 20+);
 *   past the limit 429 with `Retry-After` (seconds); no quota headers. The policy is Tier 3;
 *   give `rateLimit` your methods' tier. https://docs.slack.dev/apis/web-api/rate-limits
 * - Errors: JSON `{ ok: false, error: "<code>" }`; most come with HTTP 200 (read `ok` yourself),
 *   the others (429, 5xx) become problems here. https://docs.slack.dev/apis/web-api/
 * - No idempotency keys: POSTs are never retried.
 * - Webhooks (Events API): `X-Slack-Signature: v0=…` with `X-Slack-Request-Timestamp`; the event
 *   id is in the body. https://docs.slack.dev/authentication/verifying-requests-from-slack
 *
 * @example
 * ```ts
 * import { defineIntegration } from '@brace/client';
 * import { slack } from '@brace/client/presets';
 *
 * const chat = defineIntegration({ preset: slack, auth: { token: process.env.SLACK_BOT_TOKEN ?? '' } });
 * await chat.post('chat.postMessage', { json: { channel: 'C123', text: 'Deployed' } });
 * ```
 */
export const slack: ProviderPreset = Object.freeze<ProviderPreset>({
  name: 'slack',
  baseUrl: 'https://slack.com/api/',
  auth: { header: 'authorization', prefix: 'Bearer ' },
  rateLimit: { policies: [{ limit: 50, intervalMs: 60_000 }] },
  idempotency: false,
  normalizeError(body, { status }) {
    const { ok, error } = (body ?? {}) as Record<string, unknown>;
    if (ok !== false || typeof error !== 'string') return undefined;
    return {
      type: 'https://docs.slack.dev/apis/web-api/#errors',
      title: error,
      status,
      extensions: { error },
    };
  },
  webhook: { scheme: 'slack', idHeader: undefined },
  validatePath: 'auth.test',
  docs: [
    'https://docs.slack.dev/authentication/tokens',
    'https://docs.slack.dev/apis/web-api/rate-limits',
    'https://docs.slack.dev/apis/web-api/',
    'https://docs.slack.dev/authentication/verifying-requests-from-slack',
  ],
});
