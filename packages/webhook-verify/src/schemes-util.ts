import { decodeBase64, decodeHex, encodeBase64, encodeHex } from './encoding.js';
import {
  type OfferedSignature,
  rejectWebhook,
  type SignatureAlgorithm,
  type WebhookRequestView,
} from './scheme.js';

/** Most signatures one header may carry; the rest are ignored. */
export const MAX_SIGNATURES_PER_HEADER = 32;

const DIGEST_BYTES: Record<SignatureAlgorithm, number> = {
  'hmac-sha1': 20,
  'hmac-sha256': 32,
  'hmac-sha512': 64,
  ed25519: 64,
};

/**
 * Decodes one signature, `text[start, end)`; `undefined` unless canonical and of the
 * algorithm's length.
 */
export function decodeSignature(
  text: string,
  encoding: 'hex' | 'base64',
  algorithm: SignatureAlgorithm,
  start = 0,
  end = text.length,
): OfferedSignature | undefined {
  const length = DIGEST_BYTES[algorithm];
  // A wrong length is refused before decoding (canonical hex is 2n characters, padded base64 4⌈n/3⌉).
  if (end - start !== (encoding === 'hex' ? length * 2 : Math.ceil(length / 3) * 4)) {
    return undefined;
  }
  const bytes =
    encoding === 'hex'
      ? decodeHex(text, start, end)
      : decodeBase64(start === 0 && end === text.length ? text : text.slice(start, end));
  if (bytes === undefined || bytes.length !== length) return undefined;
  return { algorithm, signature: bytes };
}

/** Encodes a signature. */
export function encodeSignature(bytes: Uint8Array, encoding: 'hex' | 'base64'): string {
  return encoding === 'hex' ? encodeHex(bytes) : encodeBase64(bytes);
}

/** A header holding exactly one `<prefix><encoded signature>`. */
export function singleSignature(
  value: string,
  prefix: string,
  encoding: 'hex' | 'base64',
  algorithm: SignatureAlgorithm,
  provider: string,
  headerName: string,
): OfferedSignature[] {
  const offered = value.startsWith(prefix)
    ? decodeSignature(value, encoding, algorithm, prefix.length)
    : undefined;
  if (offered === undefined) {
    rejectWebhook(
      provider,
      'MALFORMED_HEADER',
      `The ${headerName} header is not ${prefix === '' ? 'a' : `"${prefix}" followed by a`} ${encoding} ${algorithm} signature.`,
    );
  }
  return [offered];
}

/** Delivery id: the first of these headers present, bounded in length. */
export function readId(request: WebhookRequestView, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = request.header(name);
    if (value !== undefined && value.length > 0 && value.length <= 512) return value;
  }
  return undefined;
}
