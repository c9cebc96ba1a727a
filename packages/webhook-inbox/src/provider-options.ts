import { providers as builtIn } from '@brace/webhook-verify';
import { InboxOptionsError } from './errors.js';
import type { InboxProviderOptions } from './receive.js';

/**
 * Checks the configured providers when the inbox is created, so that a mistake (an unset
 * secret's environment variable, a misspelt provider) fails at start-up with an
 * {@link InboxOptionsError} rather than on the first real delivery. Each entry needs a name
 * without ":", a `secret` or a non-empty `secrets`, and either a built-in provider name or a
 * `scheme`. The secret itself is never put in a message.
 */
export function checkProviders(providers: unknown): Record<string, InboxProviderOptions> {
  if (typeof providers !== 'object' || providers === null) {
    throw new InboxOptionsError('providers must be an object of provider name → { secret, ... }.');
  }
  for (const [name, options] of Object.entries(providers)) {
    if (name.includes(':'))
      throw new InboxOptionsError(
        'a provider name must not contain ":" (it separates provider and event id).',
      );
    if (typeof options !== 'object' || options === null)
      throw new InboxOptionsError(`providers.${name} must be an object: { secret, ... }.`);
    const { secret, secrets, scheme } = options as InboxProviderOptions;
    const noSecret = secret === undefined || secret === null || secret === '';
    const noSecrets = !Array.isArray(secrets) || secrets.length === 0;
    if (noSecret && noSecrets)
      throw new InboxOptionsError(
        `providers.${name} has no secret: pass \`secret\` (or \`secrets\` for rotation); if it comes from an environment variable, is that variable set?`,
      );
    if (scheme === undefined && !Object.hasOwn(builtIn, name))
      throw new InboxOptionsError(
        `providers.${name} is not a built-in provider (${Object.keys(builtIn).join(', ')}): pass \`scheme\` (a built-in name or a scheme from defineScheme()/hmacScheme()).`,
      );
  }
  return providers as Record<string, InboxProviderOptions>;
}
