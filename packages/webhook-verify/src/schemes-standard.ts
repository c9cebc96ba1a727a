// Ed25519-capable schemes: Standard Webhooks (v1 HMAC, v1a Ed25519), Svix, Discord.
import { decodeBase64Secret, decodeHex, encodeBase64, encodeHex } from './encoding.js';
import { WebhookOptionsError } from './errors.js';
import { discordEvent, standardEvent } from './events.js';
import {
  defineScheme,
  type ExtractedSignature,
  type KeyMaterial,
  type OfferedSignature,
  parseSeconds,
  rejectWebhook,
  requireHeader,
  type SecretInput,
  type WebhookScheme,
} from './scheme.js';
import { decodeSignature, MAX_SIGNATURES_PER_HEADER } from './schemes-util.js';

/** Default replay window of Standard Webhooks and Svix, in seconds. */
export const STANDARD_WEBHOOKS_TOLERANCE_SEC = 300;

function base64Secret(text: string, what: string, lenientPadBits = false): Uint8Array {
  const bytes = decodeBase64Secret(text, lenientPadBits);
  if (bytes === undefined || bytes.length === 0) {
    throw new WebhookOptionsError(
      `\`secret\` must be ${what} (base64 after the prefix); check that it was copied whole.`,
    );
  }
  return bytes;
}

function standardKey(secret: SecretInput): KeyMaterial {
  if (typeof secret !== 'string') {
    if (secret.length === 0) throw new WebhookOptionsError('`secret` must not be empty.');
    return { type: 'hmac', bytes: secret };
  }
  if (secret.startsWith('whpk_')) {
    const bytes = base64Secret(secret.slice(5), 'a whpk_ Ed25519 public key');
    if (bytes.length !== 32) {
      throw new WebhookOptionsError('`secret`: a whpk_ Ed25519 public key must be 32 bytes.');
    }
    return { type: 'ed25519-public', bytes };
  }
  const body = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  // Like the reference libraries, a secret whose base64 has non-zero padding bits is accepted.
  return { type: 'hmac', bytes: base64Secret(body, 'a whsec_ secret', true) };
}

function standardSigningKey(secret: SecretInput): KeyMaterial {
  if (typeof secret === 'string' && secret.startsWith('whsk_')) {
    const bytes = base64Secret(secret.slice(5), 'a whsk_ Ed25519 secret key');
    if (bytes.length !== 32 && bytes.length !== 64) {
      throw new WebhookOptionsError('`secret`: a whsk_ Ed25519 key must be 32 or 64 bytes.');
    }
    return { type: 'ed25519-seed', bytes: bytes.subarray(0, 32) };
  }
  return standardKey(secret);
}

/** Parses `v1,<b64> v1a,<b64> ...`: space-separated, any valid one passes. */
function parseStandardSignatures(value: string, provider: string): OfferedSignature[] {
  const offered: OfferedSignature[] = [];
  let known = 0;
  let unknown = 0;
  let start = 0;
  let entries = 0;
  while (start <= value.length && entries < MAX_SIGNATURES_PER_HEADER) {
    let end = value.indexOf(' ', start);
    if (end === -1) end = value.length;
    const comma = value.indexOf(',', start);
    if (end > start) {
      entries++;
      if (comma !== -1 && comma < end) {
        const version = value.slice(start, comma);
        // `v1,<sig>,extra` is malformed (the Python reference library refuses it): never a match.
        const next = value.indexOf(',', comma + 1);
        const junk = next !== -1 && next < end;
        if (version === 'v1' || version === 'v1a') {
          known++;
          const decoded = junk
            ? undefined
            : decodeSignature(
                value.slice(comma + 1, end),
                'base64',
                version === 'v1' ? 'hmac-sha256' : 'ed25519',
              );
          if (decoded !== undefined) offered.push(decoded);
        } else unknown++;
      } else unknown++;
    }
    start = end + 1;
  }
  if (offered.length === 0) {
    if (known === 0 && unknown > 0) {
      rejectWebhook(
        provider,
        'UNSUPPORTED_ALGORITHM',
        'The signature header offers no v1 or v1a signature; only those versions are verified.',
      );
    }
    rejectWebhook(
      provider,
      'MALFORMED_HEADER',
      'The signature header holds no well-formed "v1,<base64>" or "v1a,<base64>" entry.',
    );
  }
  return offered;
}

function standardScheme(name: string, prefixes: readonly ['webhook' | 'svix', 'webhook' | 'svix']) {
  const ids = prefixes.map((p) => `${p}-id`);
  const timestamps = prefixes.map((p) => `${p}-timestamp`);
  const signatures = prefixes.map((p) => `${p}-signature`);
  const own = prefixes[0];
  return defineScheme({
    name,
    toleranceSec: STANDARD_WEBHOOKS_TOLERANCE_SEC,
    secretFormat: 'standard-webhooks',
    key: standardKey,
    event: standardEvent(ids),
    signingKey: standardSigningKey,
    extract(request): ExtractedSignature {
      const id = requireHeader(request, name, ids);
      const ts = requireHeader(request, name, timestamps);
      const signature = requireHeader(request, name, signatures);
      const timestamp = parseSeconds(ts, name, `${timestamps[0]} header`);
      if (id.length > 512)
        rejectWebhook(name, 'MALFORMED_HEADER', `The ${ids[0]} header is too long.`);
      return {
        id,
        timestamp,
        prefix: `${id}.${ts}.`,
        includeBody: true,
        signatures: parseStandardSignatures(signature, name),
      };
    },
    prepareSigning: ({ id, timestamp }) => ({
      algorithm: 'hmac-sha256',
      prefix: `${id}.${timestamp}.`,
      includeBody: true,
      headers: (sigs, algorithms) => ({
        [`${own}-id`]: id,
        [`${own}-timestamp`]: String(timestamp),
        [`${own}-signature`]: sigs
          .map((s, i) => `${algorithms[i] === 'ed25519' ? 'v1a' : 'v1'},${encodeBase64(s)}`)
          .join(' '),
      }),
    }),
  });
}

/**
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`; `svix-*` accepted
 * too). Secrets: `whsec_<base64>` (v1, HMAC-SHA256) or `whpk_<base64>` (v1a, Ed25519 public key);
 * for signing, `whsk_<base64>` signs v1a.
 *
 * @example
 * ```ts
 * import { standardWebhooks, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: standardWebhooks, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
 * ```
 */
export const standardWebhooks: Readonly<WebhookScheme> = standardScheme('standard-webhooks', [
  'webhook',
  'svix',
]);

/**
 * Svix: Standard Webhooks with `svix-*` headers preferred (like the `svix` library) and
 * `webhook-*` accepted.
 *
 * @example
 * ```ts
 * import { svix, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: svix, secret: process.env.SVIX_SECRET! });
 * ```
 */
export const svix: Readonly<WebhookScheme> = standardScheme('svix', ['svix', 'webhook']);

function discordKey(secret: SecretInput, type: 'ed25519-public' | 'ed25519-seed'): KeyMaterial {
  const bytes = typeof secret === 'string' ? decodeHex(secret.toLowerCase()) : secret;
  if (bytes === undefined || bytes.length !== 32) {
    throw new WebhookOptionsError(
      `\`secret\` for discord must be the application's Ed25519 ${type === 'ed25519-public' ? 'public key' : 'private seed (for signing)'}: 64 hex characters or 32 bytes.`,
    );
  }
  return { type, bytes };
}

/** Default replay window of Discord interactions: none (`Infinity`). */
export const DISCORD_TOLERANCE_SEC = Number.POSITIVE_INFINITY;

/**
 * Discord interactions: `X-Signature-Ed25519` (hex) over `X-Signature-Timestamp` + body, checked
 * with the application's public key (hex) as the secret. For signing, the secret is a 32-byte
 * Ed25519 seed in hex.
 *
 * @example
 * ```ts
 * import { discord, verifyWebhook } from '@brace/webhook-verify';
 *
 * await verifyWebhook(request, { provider: discord, secret: process.env.DISCORD_PUBLIC_KEY! });
 * ```
 */
export const discord: Readonly<WebhookScheme> = defineScheme({
  name: 'discord',
  toleranceSec: DISCORD_TOLERANCE_SEC,
  secretFormat: 'discord',
  event: discordEvent,
  key: (secret) => discordKey(secret, 'ed25519-public'),
  signingKey: (secret) => discordKey(secret, 'ed25519-seed'),
  extract(request) {
    const signature = requireHeader(request, 'discord', ['x-signature-ed25519']);
    const ts = requireHeader(request, 'discord', ['x-signature-timestamp']);
    // Discord's libraries parse hex case-insensitively: upper-case signatures verify too.
    const offered = decodeSignature(signature.toLowerCase(), 'hex', 'ed25519');
    if (offered === undefined) {
      rejectWebhook(
        'discord',
        'MALFORMED_HEADER',
        'The x-signature-ed25519 header is not 128 hex characters.',
      );
    }
    return {
      timestamp: parseSeconds(ts, 'discord', 'x-signature-timestamp header'),
      prefix: ts,
      includeBody: true,
      signatures: [offered],
    };
  },
  prepareSigning: ({ timestamp }) => ({
    algorithm: 'ed25519',
    prefix: String(timestamp),
    includeBody: true,
    headers: (sigs) => ({
      'x-signature-ed25519': encodeHex(sigs[0]!),
      'x-signature-timestamp': String(timestamp),
    }),
  }),
});
