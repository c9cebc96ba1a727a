import { getHeader, type HeadersInput } from '@brace/core';
import { concatBytes, utf8Text } from './encoding.js';
import { WebhookVerificationError } from './errors.js';
import type { WebhookRequestView } from './scheme.js';

/** Default `maxBodyBytes`: 5 MB. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** A raw body as received. */
export type WebhookBody = string | Uint8Array | ArrayBuffer;

/**
 * A received webhook without a Fetch `Request`: the raw body exactly as it arrived, the headers
 * (Fetch `Headers` or a Node-style record) and, for schemes that sign it, the full URL.
 */
export interface WebhookMessage {
  /** The raw body: the exact bytes (or their text). A parsed object is refused. */
  body: WebhookBody;
  /** The request headers. */
  headers: HeadersInput;
  /** The full public URL the provider called (Twilio, Square). */
  url?: string;
}

export const PARSED_BODY_MESSAGE =
  'The body is already a parsed object, but signatures cover the exact raw bytes; re-serialised JSON never matches. Read the raw body (express.raw(), await request.arrayBuffer(), or let the receiver middleware read it) and pass a string, Uint8Array or ArrayBuffer.';

function tooLarge(provider: string, maxBytes: number): WebhookVerificationError {
  return new WebhookVerificationError(
    'BODY_TOO_LARGE',
    `The body is larger than maxBodyBytes (${maxBytes}); raise maxBodyBytes if this provider really sends bodies this big.`,
    provider,
  );
}

/** UTF-8 length of a string without encoding it (lone surrogates count as U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // two units, four bytes
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** Checks the body type and size; returns it as a string or Uint8Array. */
export function normalizeBody(
  body: unknown,
  maxBytes: number,
  provider: string,
): string | Uint8Array {
  if (typeof body === 'string') {
    if (body.length * 3 > maxBytes && (body.length > maxBytes || utf8Length(body) > maxBytes)) {
      throw tooLarge(provider, maxBytes);
    }
    return body;
  }
  let bytes: Uint8Array;
  if (body instanceof Uint8Array) bytes = body;
  else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
  else throw new WebhookVerificationError('BODY_ALREADY_PARSED', PARSED_BODY_MESSAGE, provider);
  if (bytes.length > maxBytes) throw tooLarge(provider, maxBytes);
  return bytes;
}

/** Refuses a declared Content-Length above the limit before reading anything. */
export function checkContentLength(
  value: string | undefined,
  maxBytes: number,
  provider: string,
): void {
  if (value === undefined) return;
  const declared = Number(value);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(provider, maxBytes);
}

/**
 * Reads a Request body once, refusing it as soon as it exceeds `maxBytes` (by Content-Length
 * before reading, and while streaming).
 */
export async function readRequestBody(
  request: Request,
  maxBytes: number,
  provider: string,
): Promise<Uint8Array> {
  if (request.bodyUsed) {
    throw new WebhookVerificationError(
      'BODY_ALREADY_PARSED',
      'The request body was already read, so the raw bytes the signature covers are gone. Verify before anything reads the body.',
      provider,
    );
  }
  checkContentLength(request.headers.get('content-length') ?? undefined, maxBytes, provider);
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(provider, maxBytes);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

/**
 * `headers` itself when it is a plain record whose own enumerable names are all lower case and
 * whose values are all strings (what Node's `req.headers` mostly is): then reading the own
 * property answers a lower-case lookup exactly as `getHeader` would, without scanning every
 * name again. `null` for anything else (Fetch `Headers`, pairs, arrays, mixed-case names).
 */
function lowerCaseRecord(headers: HeadersInput): Readonly<Record<string, string>> | null {
  if (typeof headers !== 'object' || headers === null) return null;
  const proto: unknown = Object.getPrototypeOf(headers);
  if ((proto !== Object.prototype && proto !== null) || Symbol.iterator in headers) return null;
  const record = headers as Readonly<Record<string, unknown>>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue; // inherited: never read
    if (typeof record[key] !== 'string' || key.toLowerCase() !== key) return null;
  }
  return record as Readonly<Record<string, string>>;
}

/** The request as schemes see it. A class, so that no closures are made per request. */
export class RequestView implements WebhookRequestView {
  readonly url: string | undefined;
  readonly body: string | Uint8Array;
  private readonly headers: HeadersInput;
  /** `undefined` until the first lookup; then `lowerCaseRecord(headers)`. */
  private record: Readonly<Record<string, string>> | null | undefined;
  private decoded: string | undefined;

  constructor(headers: HeadersInput, url: string | undefined, body: string | Uint8Array) {
    this.headers = headers;
    this.url = url;
    this.body = body;
  }

  header(name: string): string | undefined {
    let record = this.record;
    if (record === undefined) record = this.record = lowerCaseRecord(this.headers);
    if (record !== null) {
      if (Object.hasOwn(record, name)) return record[name];
      // Every name in the record is lower case: a lower-case name that is not there is absent.
      if (name.toLowerCase() === name) return undefined;
    }
    return getHeader(this.headers, name);
  }

  text(): string {
    if (this.decoded === undefined) {
      this.decoded = typeof this.body === 'string' ? this.body : utf8Text(this.body);
    }
    return this.decoded;
  }
}
