export type { ProviderPreset } from './preset-types.js';
export { github } from './presets/github.js';
export { shopify } from './presets/shopify.js';
export { slack } from './presets/slack.js';
export { stripe } from './presets/stripe.js';
