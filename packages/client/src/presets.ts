/**
 * Provider presets for `defineIntegration`: GitHub, Stripe, Shopify and Slack.
 *
 * @module
 */
export type { ProviderPreset } from './preset-types.js';
export { github } from './presets/github.js';
export { shopify } from './presets/shopify.js';
export { slack } from './presets/slack.js';
export { stripe } from './presets/stripe.js';
