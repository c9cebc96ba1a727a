// Character classes and base64 for the RFC 9651 parser and serialiser (internal).

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** tchar (RFC 9110 §5.6.2) plus `:` and `/`, as allowed after a token's first character. */
export const TOKEN_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~:/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_CHAR[c.charCodeAt(0)] = 1;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isLcAlpha(c: number): boolean {
  return c >= 97 && c <= 122;
}
export function isAlpha(c: number): boolean {
  return isLcAlpha(c) || (c >= 65 && c <= 90);
}
export function isKeyChar(c: number): boolean {
  return isLcAlpha(c) || isDigit(c) || c === 95 || c === 45 || c === 46 || c === 42;
}

export function hexValue(c: number): number {
  if (isDigit(c)) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes base64 in s[start, end); tolerant of missing padding. undefined if not base64. */
export function decodeBase64(s: string, start: number, end: number): Uint8Array | undefined {
  let stop = end;
  while (stop > start && s.charCodeAt(stop - 1) === 61 && end - stop < 2) stop--;
  const length = stop - start;
  if (length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (let i = start; i < stop; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (B64_INDEX[c] as number) : -1;
    if (v < 0) return undefined;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      B64.charAt(n >> 18) +
      B64.charAt((n >> 12) & 63) +
      B64.charAt((n >> 6) & 63) +
      B64.charAt(n & 63);
  }
  if (i < bytes.length) {
    const a = bytes[i] as number;
    const b = i + 1 < bytes.length ? (bytes[i + 1] as number) : 0;
    const n = (a << 16) | (b << 8);
    out += B64.charAt(n >> 18) + B64.charAt((n >> 12) & 63);
    out += i + 1 < bytes.length ? B64.charAt((n >> 6) & 63) + '=' : '==';
  }
  return out;
}

/** Base64 (with padding) of a byte sequence, as RFC 9651 serialises it. */
export const toBase64: (bytes: Uint8Array) => string = encodeBase64;
