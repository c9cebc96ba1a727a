import { backend } from '#crypto';
import { utf8Text } from './encoding.js';
import { WebhookOptionsError } from './errors.js';
import { type ProviderName, resolveScheme } from './providers.js';
import type { SecretInput, SignatureAlgorithm, WebhookScheme } from './scheme.js';

/** Options of {@link signWebhook}. */
export interface SignWebhookOptions {
  /** A built-in provider name or a scheme object. */
  provider: ProviderName | WebhookScheme;
  /** The signing secret (HMAC secret; for Ed25519 schemes the private seed: `whsk_...`, or hex for Discord). */
  secret?: SecretInput;
  /** Several secrets: one signature each (schemes that carry several signatures in one header). */
  secrets?: readonly SecretInput[];
  /** The exact body to send. */
  body: string | Uint8Array;
  /** The delivery id. Default: a random `msg_<uuid>`. */
  id?: string;
  /** The timestamp in Unix seconds. Default: now. */
  timestamp?: number;
  /** The URL the webhook is sent to (Twilio, Square). */
  url?: string;
}

/** A signed webhook, ready to send (or to feed to `verifyWebhook` in a test). */
export interface SignedWebhook {
  /** The headers carrying the signature, id and timestamp (names in lower case). */
  headers: Record<string, string>;
  /** The body, unchanged. */
  body: string | Uint8Array;
  /** The URL to send to (unchanged unless the scheme adds to it). */
  url?: string;
  /** The delivery id used. */
  id: string;
  /** The timestamp used (Unix seconds). */
  timestamp: number;
}

/**
 * Signs a webhook with any scheme (for tests, and for senders): what `verifyWebhook` accepts.
 *
 * @param options - provider, secret(s), body, and optionally id, timestamp, url
 * @returns the headers to send with the body
 *
 * @example
 * ```ts
 * import { signWebhook, verifyWebhook } from '@brace/webhook-verify';
 *
 * const signed = await signWebhook({ provider: 'stripe', secret: 'whsec_test', body: '{"id":"evt_1"}' });
 * await verifyWebhook({ body: signed.body, headers: signed.headers }, { provider: 'stripe', secret: 'whsec_test' });
 * ```
 */
export async function signWebhook(options: SignWebhookOptions): Promise<SignedWebhook> {
  const scheme = resolveScheme(options.provider);
  const secrets = options.secrets ?? (options.secret === undefined ? [] : [options.secret]);
  if (secrets.length === 0)
    throw new WebhookOptionsError('signWebhook: pass `secret` or `secrets`.');
  const { body } = options;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new WebhookOptionsError('signWebhook: `body` must be a string or a Uint8Array.');
  }
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new WebhookOptionsError(
      'signWebhook: `timestamp` must be an integer number of seconds >= 0.',
    );
  }
  const id = options.id ?? `msg_${crypto.randomUUID().replaceAll('-', '')}`;
  const plan = scheme.prepareSigning({
    body,
    id,
    timestamp,
    url: options.url,
    text: () => (typeof body === 'string' ? body : utf8Text(body)),
  });
  const message = {
    prefix: plan.prefix,
    body: plan.includeBody ? body : undefined,
    suffix: plan.suffix ?? '',
  };
  const signatures: Uint8Array[] = [];
  const algorithms: SignatureAlgorithm[] = [];
  for (const secret of secrets) {
    const material = (scheme.signingKey ?? scheme.key)(secret);
    if (material.type === 'ed25519-seed') {
      signatures.push(await backend.ed25519Sign(material.bytes, message));
      algorithms.push('ed25519');
    } else if (material.type === 'hmac') {
      const algorithm = plan.algorithm === 'ed25519' ? 'hmac-sha256' : plan.algorithm;
      const hash =
        algorithm === 'hmac-sha1' ? 'sha1' : algorithm === 'hmac-sha512' ? 'sha512' : 'sha256';
      signatures.push(await backend.hmac(backend.hmacKey(material.bytes), hash, message));
      algorithms.push(algorithm);
    } else {
      throw new WebhookOptionsError(
        'signWebhook: `secret` is a public key; signing needs the private key.',
      );
    }
  }
  const out: SignedWebhook = { headers: plan.headers(signatures, algorithms), body, id, timestamp };
  const url = plan.url ?? options.url;
  if (url !== undefined) out.url = url;
  return out;
}

/**
 * The raw 32-byte Ed25519 public key of a 32-byte seed (to build a `whpk_` or Discord public key
 * for a key pair you generated).
 *
 * @param seed - the 32-byte private seed
 * @returns the public key bytes
 *
 * @example
 * ```ts
 * import { ed25519PublicKey } from '@brace/webhook-verify';
 *
 * const seed = crypto.getRandomValues(new Uint8Array(32));
 * const publicKey = await ed25519PublicKey(seed); // 32 bytes
 * ```
 */
export async function ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new WebhookOptionsError('ed25519PublicKey: `seed` must be 32 bytes.');
  }
  return new Uint8Array(await backend.ed25519PublicFromSeed(seed));
}
