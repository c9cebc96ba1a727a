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
  'standard-webhooks': standardWebhooks,
  svix,
  stripe,
  github,
  shopify,
  slack,
  twilio,
  paddle,
  linear,
  square,
  zoom,
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
