// The `default` condition build (Workers, browsers, anything with Web Crypto): asynchronous.
import {
  type CryptoBackend,
  ED25519_PKCS8_PREFIX,
  type HmacHash,
  type SignedMessage,
} from './crypto-types.js';
import { concatBytes, constantTimeEqual, utf8 } from './encoding.js';

type CryptoKey = InstanceType<typeof globalThis.CryptoKey>;

const HASH_NAMES: Record<HmacHash, string> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
};

interface WebHmacKey {
  raw: Uint8Array<ArrayBuffer>;
  keys: Partial<Record<HmacHash, Promise<CryptoKey>>>;
}

function messageBytes(message: SignedMessage): Uint8Array<ArrayBuffer> {
  if (message.bytes === undefined) {
    const { prefix, body, suffix } = message;
    message.bytes =
      typeof body === 'string' || body === undefined
        ? utf8(prefix + (body ?? '') + suffix)
        : concatBytes([utf8(prefix), body, utf8(suffix)]);
  }
  return message.bytes as Uint8Array<ArrayBuffer>;
}

function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function importSeed(seed: Uint8Array, extractable: boolean): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'pkcs8',
    own(concatBytes([ED25519_PKCS8_PREFIX, seed])),
    { name: 'Ed25519' },
    extractable,
    ['sign'],
  );
}

/** The Web Crypto backend. */
export const backend: CryptoBackend = {
  name: 'web',
  sync: false,
  hmacKey: (secret): WebHmacKey => ({ raw: own(secret), keys: {} }),
  async hmac(key, hash, message) {
    const holder = key as WebHmacKey;
    let cryptoKey = holder.keys[hash];
    if (cryptoKey === undefined) {
      cryptoKey = crypto.subtle.importKey(
        'raw',
        holder.raw,
        { name: 'HMAC', hash: HASH_NAMES[hash] },
        false,
        ['sign'],
      );
      holder.keys[hash] = cryptoKey;
    }
    return new Uint8Array(await crypto.subtle.sign('HMAC', await cryptoKey, messageBytes(message)));
  },
  ed25519PublicKey: (raw) =>
    crypto.subtle.importKey('raw', own(raw), { name: 'Ed25519' }, false, ['verify']),
  async ed25519Verify(key, message, signature) {
    return crypto.subtle.verify(
      'Ed25519',
      await (key as Promise<CryptoKey>),
      own(signature),
      messageBytes(message),
    );
  },
  async ed25519Sign(seed, message) {
    const key = await importSeed(seed, false);
    return new Uint8Array(await crypto.subtle.sign('Ed25519', key, messageBytes(message)));
  },
  async ed25519PublicFromSeed(seed) {
    const jwk = await crypto.subtle.exportKey('jwk', await importSeed(seed, true));
    const x = (jwk.x as string).replaceAll('-', '+').replaceAll('_', '/');
    return Uint8Array.from(atob(x), (c) => c.charCodeAt(0));
  },
  async sha256(data) {
    const bytes = typeof data === 'string' ? utf8(data) : own(data);
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  },
  equal: constantTimeEqual,
};
