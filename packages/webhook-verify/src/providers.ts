import { WebhookOptionsError } from './errors.js';
import type { WebhookScheme } from './scheme.js';
import { github, paddle, shopify, slack, stripe, zoom } from './schemes-hmac.js';
import { discord, standardWebhooks, svix } from './schemes-standard.js';
import { linear, square, twilio } from './schemes-url.js';

/**
 * Every built-in scheme by name.
 *
 * @example
 * ```ts
 * import { providers } from '@brace/webhook-verify';
 *
 * Object.keys(providers); // ['standard-webhooks', 'svix', 'stripe', ...]
 * ```
 */
export const providers = Object.freeze({
  /** Standard Webhooks (`webhook-id`/`webhook-timestamp`/`webhook-signature`, `whsec_` secrets). */
  'standard-webhooks': standardWebhooks,
  /** Svix (`svix-*` headers, also accepts `webhook-*`). */
  svix,
  /** Stripe (`Stripe-Signature: t=…,v1=…`). */
  stripe,
  /** GitHub (`X-Hub-Signature-256: sha256=…`). */
  github,
  /** Shopify (`X-Shopify-Hmac-Sha256`, base64). */
  shopify,
  /** Slack (`X-Slack-Signature: v0=…` over `v0:<timestamp>:<body>`). */
  slack,
  /** Twilio (`X-Twilio-Signature`, HMAC-SHA1 of the URL and sorted form parameters). */
  twilio,
  /** Paddle Billing (`Paddle-Signature: ts=…;h1=…`). */
  paddle,
  /** Linear (`Linear-Signature`, timestamp in the body's `webhookTimestamp`). */
  linear,
  /** Square (`X-Square-Hmacsha256-Signature` over the notification URL and body). */
  square,
  /** Zoom (`X-Zm-Signature: v0=…`). */
  zoom,
  /** Discord interactions (Ed25519, `X-Signature-Ed25519` + `X-Signature-Timestamp`). */
  discord,
});

/**
 * The name of a built-in provider.
 *
 * @example
 * ```ts
 * import type { ProviderName } from '@brace/webhook-verify';
 *
 * const name: ProviderName = 'github';
 * ```
 */
export type ProviderName = keyof typeof providers;

const byName = new Map<string, Readonly<WebhookScheme>>(Object.entries(providers));

/** A scheme by name, or the scheme object given. */
export function resolveScheme(provider: ProviderName | WebhookScheme): WebhookScheme {
  if (typeof provider === 'string') {
    const scheme = byName.get(provider);
    if (scheme !== undefined) return scheme;
  } else if (
    typeof provider === 'object' &&
    provider !== null &&
    typeof provider.extract === 'function'
  ) {
    return provider;
  }
  throw new WebhookOptionsError(
    `\`provider\` must be one of ${[...byName.keys()].join(', ')}, or a scheme from defineScheme()/hmacScheme().`,
  );
}
