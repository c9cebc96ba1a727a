// The `node` condition build (Node, Bun, Deno): node:crypto, synchronous, KeyObject keys.
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type Hmac,
  type KeyObject,
  sign as signData,
  timingSafeEqual,
  verify as verifyData,
} from 'node:crypto';
import {
  type CryptoBackend,
  ED25519_PKCS8_PREFIX,
  type HmacHash,
  type SignedMessage,
} from './crypto-types.js';

function messageBytes(message: SignedMessage): Buffer {
  const { prefix, body, suffix } = message;
  if (typeof body === 'string' || body === undefined) {
    return Buffer.from(prefix + (body ?? '') + suffix, 'utf8');
  }
  return Buffer.concat([Buffer.from(prefix, 'utf8'), body, Buffer.from(suffix, 'utf8')]);
}

function hmacOf(key: KeyObject, hash: HmacHash, message: SignedMessage): Hmac {
  const h = createHmac(hash, key);
  const { prefix, body, suffix } = message;
  // Separate updates: concatenating a short prefix to the body would copy the whole body.
  if (prefix.length > 0) h.update(prefix);
  if (body !== undefined) h.update(body);
  if (suffix.length > 0) h.update(suffix);
  return h;
}

function privateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

/** The node:crypto backend. */
export const backend: CryptoBackend = {
  name: 'node',
  sync: true,
  hmacKey: (secret) => createSecretKey(secret),
  hmac: (key, hash, message) => hmacOf(key as KeyObject, hash, message).digest(),
  hmacBinary: (key, hash, message) => hmacOf(key as KeyObject, hash, message).digest('binary'),
  ed25519PublicKey: (raw) =>
    createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
      format: 'jwk',
    }),
  ed25519Verify: (key, message, signature) =>
    verifyData(null, messageBytes(message), key as KeyObject, signature),
  ed25519Sign: (seed, message) => signData(null, messageBytes(message), privateKey(seed)),
  ed25519PublicFromSeed(seed) {
    const jwk = createPublicKey(privateKey(seed)).export({ format: 'jwk' });
    return Buffer.from(jwk.x as string, 'base64url');
  },
  sha256: (data) => createHash('sha256').update(data).digest(),
  equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
};
