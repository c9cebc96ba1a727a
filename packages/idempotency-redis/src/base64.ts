/** The part of Node's Buffer the codec uses. */
interface BufferLike {
  from(
    data: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): { toString(encoding: 'base64'): string };
  from(data: string, encoding: 'base64'): Uint8Array;
}

/** Encodes bytes to base64 and back. */
export interface Base64Codec {
  encode(bytes: Uint8Array): string;
  decode(text: string): Uint8Array;
}

/** Bytes per `String.fromCharCode` call: well under every engine's argument limit. */
const CHUNK = 0x8000;

/**
 * A base64 codec on Node's Buffer when there is one (fast), else on the Web-standard
 * `btoa`/`atob`. Decoded bytes are always a plain `Uint8Array` of their own.
 */
export function base64Codec(buffer: BufferLike | undefined): Base64Codec {
  if (buffer !== undefined) {
    return {
      encode: (bytes) =>
        buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
      // Copy: a small Buffer is a view into a shared pool.
      decode: (text) => new Uint8Array(buffer.from(text, 'base64')),
    };
  }
  return {
    encode(bytes) {
      let binary = '';
      for (let i = 0; i < bytes.length; i += CHUNK) {
        binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
      }
      return btoa(binary);
    },
    decode(text) {
      const binary = atob(text);
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    },
  };
}

/** The codec for this runtime. */
export const base64: Base64Codec = base64Codec((globalThis as { Buffer?: BufferLike }).Buffer);
