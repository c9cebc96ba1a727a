/** The part of Node's Buffer the codec uses. */
export interface BufferLike {
  from(
    bytes: ArrayBufferLike,
    offset: number,
    length: number,
  ): { toString(encoding: 'base64'): string };
  from(text: string, encoding: 'base64'): Uint8Array;
}

/** Base64 on Node's Buffer when there is one (fast), else on `btoa`/`atob`. */
export function base64Codec(buffer: BufferLike | undefined) {
  if (buffer !== undefined) {
    return {
      encode: (bytes: Uint8Array) =>
        buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
      // Copy: a small Buffer is a view into a shared pool.
      decode: (text: string) => new Uint8Array(buffer.from(text, 'base64')),
    };
  }
  return {
    encode(bytes: Uint8Array): string {
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000)
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(binary);
    },
    decode(text: string): Uint8Array {
      const binary = atob(text);
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    },
  };
}

/** The codec for this runtime. */
export const base64 = base64Codec((globalThis as { Buffer?: BufferLike }).Buffer);
