import type { Preset } from '../preset-types.js';
import { github } from './github.js';
import { ietf } from './ietf.js';
import { shopify } from './shopify.js';
import { slack } from './slack.js';
import { stripe } from './stripe.js';

export { isStripeVersion } from './stripe.js';
export { github, ietf, shopify, slack, stripe };

/**
 * The built-in presets by name.
 *
 * @example
 * ```ts
 * import { presets } from '@brace/simulator';
 *
 * Object.keys(presets); // ['github', 'stripe', 'shopify', 'slack', 'ietf']
 * ```
 */
export const presets = Object.freeze({ github, stripe, shopify, slack, ietf });

/**
 * The name of a built-in preset.
 *
 * @example
 * ```ts
 * import type { PresetName } from '@brace/simulator';
 *
 * const name: PresetName = 'stripe';
 * ```
 */
export type PresetName = keyof typeof presets;

/** A preset by name, or the preset given. */
export function resolvePreset(preset: PresetName | Preset | undefined): Preset | undefined {
  if (preset === undefined || typeof preset === 'object') return preset;
  return Object.hasOwn(presets, preset) ? presets[preset] : undefined;
}
