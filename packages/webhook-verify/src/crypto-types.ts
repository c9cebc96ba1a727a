/** The HMAC hash functions the schemes use. */
export type HmacHash = 'sha1' | 'sha256' | 'sha512';

/**
 * What gets signed: `prefix`, then the raw body (when present), then `suffix`. Strings are
 * signed as their UTF-8 bytes; a `Uint8Array` body is signed exactly as received.
 */
export interface SignedMessage {
  prefix: string;
  body: string | Uint8Array | undefined;
  suffix: string;
  /** Filled lazily by backends that need one contiguous byte array. */
  bytes?: Uint8Array;
}

/**
 * The small internal interface both crypto builds implement. `src/crypto-node.ts` (the `node`
 * condition) answers synchronously; `src/crypto-web.ts` (the `default` condition) with Web
 * Crypto, asynchronously. Keys are opaque handles created once per secret and cached.
 */
export interface CryptoBackend {
  /** Which implementation this is. */
  readonly name: 'node' | 'web';
  /** True when every method returns plain values (never a Promise). */
  readonly sync: boolean;
  /** An HMAC key handle for these secret bytes (usable with every hash). */
  hmacKey(secret: Uint8Array): unknown;
  /** HMAC of the message. */
  hmac(key: unknown, hash: HmacHash, message: SignedMessage): Uint8Array | Promise<Uint8Array>;
  /**
   * Sync backends only: HMAC of the message as a binary string (one char per byte, 0-255),
   * compared with `constantTimeEqualBinary`. On node a string digest skips the Buffer
   * allocation, which costs about as much as hashing a 2 KB body.
   */
  hmacBinary?(key: unknown, hash: HmacHash, message: SignedMessage): string;
  /** An Ed25519 public key handle from its 32 raw bytes. */
  ed25519PublicKey(raw: Uint8Array): unknown;
  /** Verifies a 64-byte Ed25519 signature. */
  ed25519Verify(
    key: unknown,
    message: SignedMessage,
    signature: Uint8Array,
  ): boolean | Promise<boolean>;
  /** Signs with the Ed25519 private key whose 32-byte seed is given. */
  ed25519Sign(seed: Uint8Array, message: SignedMessage): Uint8Array | Promise<Uint8Array>;
  /** The raw 32-byte public key of an Ed25519 seed. */
  ed25519PublicFromSeed(seed: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** SHA-256 digest. */
  sha256(data: string | Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Constant-time comparison; false at once when the lengths differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
export const ED25519_PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
