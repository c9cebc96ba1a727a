// Strict, allocation-light codecs. Strict means canonical: lowercase hex only, base64 with the
// standard alphabet, correct padding and zero padding bits. A canonical decoding is a bijection
// with the bytes, so comparing decoded bytes accepts exactly what comparing the providers'
// encoded strings accepts.

const HEX_DIGITS = '0123456789abcdef';
const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// -256 marks a non-digit: OR-ed into the accumulator it makes it negative.
const HEX_VALUE = new Int16Array(256).fill(-256);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_DIGITS.charCodeAt(i)] = i;
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64_CHARS.charCodeAt(i)] = i;
const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) HEX_PAIRS.push(HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

/**
 * Decodes lowercase hex from `text[start, end)` (no slice needed); `undefined` when it is not
 * canonical lowercase hex. Branch-free per pair: validity is accumulated and checked once.
 */
export function decodeHex(text: string, start = 0, end = text.length): Uint8Array | undefined {
  const length = end - start;
  if (length <= 0 || (length & 1) === 1) return undefined;
  const out = new Uint8Array(length >> 1);
  let bad = 0;
  for (let i = start, j = 0; i < end; i += 2, j++) {
    const hi = text.charCodeAt(i);
    const lo = text.charCodeAt(i + 1);
    const a = HEX_VALUE[hi & 255]!;
    const b = HEX_VALUE[lo & 255]!;
    // A non-digit makes `bad` negative; a code unit above 255 sets a bit above 255.
    bad |= a | b | ((hi | lo) & 0xff00);
    out[j] = (a << 4) | b;
  }
  return bad < 0 || bad > 255 ? undefined : out;
}

/** Encodes bytes as lowercase hex. */
export function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]!]!;
  return out;
}

/**
 * Decodes canonical padded base64 (standard alphabet); `undefined` otherwise. With
 * `lenientPadBits`, non-zero bits in the last character before the padding are ignored
 * (as most decoders do) instead of refused.
 */
export function decodeBase64(text: string, lenientPadBits = false): Uint8Array | undefined {
  const length = text.length;
  if (length === 0 || (length & 3) !== 0) return undefined;
  let pad = 0;
  if (text.charCodeAt(length - 1) === 61) pad = text.charCodeAt(length - 2) === 61 ? 2 : 1;
  const out = new Uint8Array((length / 4) * 3 - pad);
  let j = 0;
  for (let i = 0; i < length; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    const a = c0 < 128 ? B64_VALUE[c0]! : -1;
    const b = c1 < 128 ? B64_VALUE[c1]! : -1;
    const last = i + 4 === length;
    const c = last && pad === 2 ? 0 : c2 < 128 ? B64_VALUE[c2]! : -1;
    const d = last && pad >= 1 ? 0 : c3 < 128 ? B64_VALUE[c3]! : -1;
    if ((a | b | c | d) < 0) return undefined;
    const triple = (a << 18) | (b << 12) | (c << 6) | d;
    out[j++] = triple >> 16;
    if (last && pad === 2) {
      if ((b & 15) !== 0 && !lenientPadBits) return undefined;
      break;
    }
    out[j++] = (triple >> 8) & 255;
    if (last && pad === 1) {
      if ((c & 3) !== 0 && !lenientPadBits) return undefined;
      break;
    }
    out[j++] = triple & 255;
  }
  return out;
}

/** Encodes bytes as padded base64 (standard alphabet). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const length = bytes.length;
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const triple = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      B64_CHARS[triple >> 18]! +
      B64_CHARS[(triple >> 12) & 63]! +
      B64_CHARS[(triple >> 6) & 63]! +
      B64_CHARS[triple & 63]!;
  }
  if (i < length) {
    const rest = length - i;
    const triple = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out += B64_CHARS[triple >> 18]! + B64_CHARS[(triple >> 12) & 63]!;
    out += rest === 2 ? `${B64_CHARS[(triple >> 6) & 63]!}=` : '==';
  }
  return out;
}

/** Decodes a base64 secret: canonical base64 with the padding optional. */
export function decodeBase64Secret(text: string, lenientPadBits = false): Uint8Array | undefined {
  const rem = text.length & 3;
  return decodeBase64(rem === 2 ? `${text}==` : rem === 3 ? `${text}=` : text, lenientPadBits);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, like every provider library). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text of UTF-8 bytes; invalid sequences become U+FFFD (only used to return `body`). */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Constant-time comparison for equal-length inputs (lengths are checked first). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Constant-time comparison of a binary string (one char per byte, as `digest('binary')` gives)
 * with bytes; false at once when the lengths differ. No early exit on a differing byte.
 */
export function constantTimeEqualBinary(a: string, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < b.length; i++) diff |= a.charCodeAt(i) ^ b[i]!;
  return diff === 0;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
