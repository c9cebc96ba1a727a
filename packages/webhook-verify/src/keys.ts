import type { CryptoBackend } from './crypto-types.js';
import { WebhookOptionsError } from './errors.js';
import type { KeyMaterial, SecretInput, WebhookScheme } from './scheme.js';

/** Most derived keys kept per secret format (oldest evicted first). */
export const KEY_CACHE_MAX_ENTRIES = 1000;
/** How long a derived key is kept, in milliseconds. */
export const KEY_CACHE_TTL_MS = 3_600_000;

/** A secret turned into a ready crypto key. */
export interface ResolvedKey {
  type: KeyMaterial['type'];
  handle: unknown;
  expires: number;
}

const byText = new Map<string, Map<string, ResolvedKey>>();
const byBytes = new WeakMap<Uint8Array, Map<string, ResolvedKey>>();

function derive(
  scheme: WebhookScheme,
  secret: SecretInput,
  backend: CryptoBackend,
  now: number,
): ResolvedKey {
  const material = scheme.key(secret);
  const handle =
    material.type === 'hmac'
      ? backend.hmacKey(material.bytes)
      : material.type === 'ed25519-public'
        ? backend.ed25519PublicKey(material.bytes)
        : undefined;
  if (handle === undefined) {
    throw new WebhookOptionsError('`secret`: a private key cannot verify; pass the public key.');
  }
  return { type: material.type, handle, expires: now + KEY_CACHE_TTL_MS };
}

/** The key for one secret, derived once and cached (bounded, with TTL). */
export function resolveKey(
  scheme: WebhookScheme,
  secret: SecretInput,
  backend: CryptoBackend,
): ResolvedKey {
  const now = Date.now();
  let cache: Map<string, ResolvedKey> | undefined;
  if (typeof secret === 'string') {
    cache = byText.get(scheme.secretFormat);
    if (cache === undefined) {
      cache = new Map();
      byText.set(scheme.secretFormat, cache);
    }
    const hit = cache.get(secret);
    if (hit !== undefined && hit.expires > now) return hit;
    if (secret.length === 0) throw new WebhookOptionsError('`secret` must not be empty.');
    const key = derive(scheme, secret, backend, now);
    cache.delete(secret);
    if (cache.size >= KEY_CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(secret, key);
    return key;
  }
  if (!(secret instanceof Uint8Array)) {
    throw new WebhookOptionsError('`secret` must be a string or a Uint8Array.');
  }
  cache = byBytes.get(secret);
  if (cache === undefined) {
    cache = new Map();
    byBytes.set(secret, cache);
  }
  const hit = cache.get(scheme.secretFormat);
  if (hit !== undefined && hit.expires > now) return hit;
  const key = derive(scheme, secret, backend, now);
  cache.set(scheme.secretFormat, key);
  return key;
}

/** Size of the string-secret cache of one format (for tests). */
export function keyCacheSize(format: string): number {
  return byText.get(format)?.size ?? 0;
}
