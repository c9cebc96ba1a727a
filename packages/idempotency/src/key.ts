import { getHeader, type HeadersInput, parseItem, serializeItem } from '@brace/core';
import { IdempotencyKeyConflictError, InvalidIdempotencyKeyError } from './errors.js';

/**
 * The header name Brace sends and reads by default: `Idempotency-Key`.
 *
 * @example
 * ```ts
 * import { IDEMPOTENCY_KEY_HEADER } from '@brace/idempotency';
 *
 * headers.set(IDEMPOTENCY_KEY_HEADER, '"8e03978e-40d5-43e8-bc93-6894a57f9324"');
 * ```
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/**
 * The longest key accepted, in characters: 255.
 *
 * @example
 * ```ts
 * import { MAX_IDEMPOTENCY_KEY_LENGTH } from '@brace/idempotency';
 *
 * const fits = (key: string) => key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH;
 * ```
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * How a key is written on the wire: `structured` as a structured-field String
 * (`"8e03…"`, draft-ietf-httpapi-idempotency-key-header), `token` bare (`8e03…`), as
 * Stripe and many other servers expect.
 *
 * @example
 * ```ts
 * import type { IdempotencyKeyFormat } from '@brace/idempotency';
 *
 * const format: IdempotencyKeyFormat = 'token';
 * ```
 */
export type IdempotencyKeyFormat = 'structured' | 'token';

/**
 * Which rule a received key broke: the 400 response names it.
 *
 * @example
 * ```ts
 * import { parseIdempotencyKey, type KeyRule } from '@brace/idempotency';
 *
 * const parsed = parseIdempotencyKey('a b');
 * const rule: KeyRule | undefined = parsed.ok ? undefined : parsed.rule; // 'syntax'
 * ```
 */
export type KeyRule = 'empty' | 'too-long' | 'syntax';

/** tchar (RFC 9110 §5.6.2) plus `:` and `/` (allowed in RFC 9651 tokens). */
const TOKEN_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~:/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_CHAR[c.charCodeAt(0)] = 1;
}

/** Whether every character of `text` is a token character (and there is at least one). */
export function isTokenKey(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN_CHAR[c] === 0) return false;
  }
  return true;
}

/**
 * The inside of `"…"` when it holds only printable ASCII without `"` or `\\` (the common key,
 * read without the structured-field parser, to the same result); otherwise `undefined`.
 */
export function plainQuoted(text: string): string | undefined {
  const last = text.length - 1;
  if (last < 1 || text.charCodeAt(0) !== 34 || text.charCodeAt(last) !== 34) return undefined;
  for (let i = 1; i < last; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return undefined;
  }
  return text.slice(1, last);
}

/**
 * Creates a fresh idempotency key: a random UUID (v4) from Web Crypto.
 *
 * @returns a new key, e.g. `'8e03978e-40d5-43e8-bc93-6894a57f9324'`
 *
 * @example
 * ```ts
 * import { createIdempotencyKey } from '@brace/idempotency';
 *
 * const key = createIdempotencyKey(); // keep it with the job, reuse it on every retry
 * ```
 */
export function createIdempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * Writes a key as a header value in the given format, after checking it: 1 to 255
 * characters; printable ASCII for `structured`; token characters (RFC 9110 tchar, `:`,
 * `/`) for `token`.
 *
 * @param key - the key
 * @param format - `structured` (default) or `token`
 * @returns the header value, e.g. `'"abc"'` or `'abc'`
 * @throws {@link InvalidIdempotencyKeyError} when the key breaks a rule
 *
 * @example
 * ```ts
 * import { formatIdempotencyKey } from '@brace/idempotency';
 *
 * formatIdempotencyKey('order-42');          // '"order-42"'
 * formatIdempotencyKey('order-42', 'token'); // 'order-42'
 * ```
 */
export function formatIdempotencyKey(
  key: string,
  format: IdempotencyKeyFormat = 'structured',
): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidIdempotencyKeyError('empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new InvalidIdempotencyKeyError('too-long');
  if (format === 'token') {
    if (!isTokenKey(key)) throw new InvalidIdempotencyKeyError('syntax');
    return key;
  }
  try {
    return serializeItem(key);
  } catch (cause) {
    throw new InvalidIdempotencyKeyError('syntax', { cause });
  }
}

/**
 * What {@link parseIdempotencyKey} found: the key, or the rule the value broke.
 *
 * @example
 * ```ts
 * import { parseIdempotencyKey } from '@brace/idempotency';
 *
 * const parsed = parseIdempotencyKey('"abc"');
 * if (parsed.ok) console.log(parsed.key); // 'abc'
 * ```
 */
export type ParsedIdempotencyKey =
  | {
      /** The value is a valid key. */
      ok: true;
      /** The key, unquoted. */
      key: string;
    }
  | {
      /** The value is not a valid key. */
      ok: false;
      /** The rule it broke. */
      rule: KeyRule;
    };

/**
 * Reads a received `Idempotency-Key` value. Accepted: a structured-field String
 * (`"…"`, parsed with `parseItem` from `@brace/core`; parameters are ignored) or a bare
 * token of RFC 9110 tchar plus `:` and `/` (so bare UUIDs, which start with a digit and are
 * therefore not RFC 9651 tokens, are accepted, as Stripe-style clients send them). The key
 * must be 1 to 255 characters. `"abc"` and `abc` are the same key.
 *
 * @param value - the header value as received (`undefined` counts as empty)
 * @returns `{ ok: true, key }` or `{ ok: false, rule }` with rule `empty`, `too-long` or `syntax`
 *
 * @example
 * ```ts
 * import { parseIdempotencyKey } from '@brace/idempotency';
 *
 * parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"'); // { ok: true, key: '8e03978e-…' }
 * parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324');   // { ok: true, key: '8e03978e-…' }
 * parseIdempotencyKey('a b');                                   // { ok: false, rule: 'syntax' }
 * ```
 */
export function parseIdempotencyKey(value: string | undefined): ParsedIdempotencyKey {
  const text = value?.trim() ?? '';
  if (text.length === 0 || text === '""') return { ok: false, rule: 'empty' };
  // Bound before parsing: 255 characters plus two quotes and a little escaping room.
  if (text.length > MAX_IDEMPOTENCY_KEY_LENGTH * 2 + 2) return { ok: false, rule: 'too-long' };
  let key: string;
  if (text.charCodeAt(0) === 34 /* " */) {
    const plain = plainQuoted(text);
    if (plain !== undefined)
      return plain.length > MAX_IDEMPOTENCY_KEY_LENGTH
        ? { ok: false, rule: 'too-long' }
        : { ok: true, key: plain };
    try {
      // An Item that starts with a quote is a String.
      key = parseItem(text).value as string;
    } catch {
      return { ok: false, rule: 'syntax' };
    }
  } else {
    if (!isTokenKey(text)) return { ok: false, rule: 'syntax' };
    key = text;
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return { ok: false, rule: 'too-long' };
  return { ok: true, key };
}

/**
 * Options of {@link withIdempotencyKey}.
 *
 * @example
 * ```ts
 * import type { WithIdempotencyKeyOptions } from '@brace/idempotency';
 *
 * const options: WithIdempotencyKeyOptions = { key: 'payout-2026-01-user-42', format: 'token' };
 * ```
 */
export interface WithIdempotencyKeyOptions {
  /** The key to send. Default: a new {@link createIdempotencyKey}. */
  key?: string;
  /** The header name. Default {@link IDEMPOTENCY_KEY_HEADER}. */
  header?: string;
  /** How the key is written. Default `structured`. */
  format?: IdempotencyKeyFormat;
}

/**
 * What {@link withIdempotencyKey} returns: `T` whose `headers` are present (of the same
 * kind as `T`'s, or a plain record when `T` had none).
 *
 * @typeParam T - the request options type
 *
 * @example
 * ```ts
 * import type { WithKey } from '@brace/idempotency';
 *
 * type Init = WithKey<{ method: string }>; // { method: string } & { headers: Record<string, string> }
 * ```
 */
export type WithKey<T> = T & {
  /** The headers, now with the key. */
  headers: T extends {
    /** `T`'s own headers. */
    headers?: infer H;
  }
    ? NonNullable<H>
    : Record<string, string>;
};

/**
 * Returns a copy of `init` (fetch's `RequestInit`, an axios config, …) whose headers carry
 * an `Idempotency-Key`. The headers keep their kind: a `Headers` stays a `Headers`, pairs
 * stay pairs, a plain record (axios) stays a record. When the headers already carry a key,
 * `init` is returned as it is. Keep the returned object and reuse it for every retry, so
 * that each attempt sends the same key.
 *
 * @param init - the request options (default `{}`)
 * @param options - the key (default: a new UUID), header name and format
 * @returns a copy of `init` with the key in its headers
 * @throws {@link IdempotencyKeyConflictError} when `init` already carries a different key
 * than `options.key`; {@link InvalidIdempotencyKeyError} when `options.key` is invalid
 *
 * @example
 * ```ts
 * import { withIdempotencyKey } from '@brace/idempotency';
 *
 * const init = withIdempotencyKey({ method: 'POST', body: JSON.stringify(order) });
 * for (let attempt = 0; attempt < 3; attempt++) {
 *   const response = await fetch('https://api.example.com/orders', init).catch(() => undefined);
 *   if (response?.ok) break;
 * }
 *
 * // axios
 * await axios.post(url, order, withIdempotencyKey({ headers: { Authorization: token } }));
 * ```
 */
export function withIdempotencyKey<T extends object>(
  init: T = {} as T,
  options: WithIdempotencyKeyOptions = {},
): WithKey<T> {
  const header = options.header ?? IDEMPOTENCY_KEY_HEADER;
  let headers = (init as { headers?: unknown }).headers;
  // A one-shot iterator (e.g. `map.entries()`) would be used up by the lookup: copy it first.
  if (
    headers !== undefined &&
    headers !== null &&
    !Array.isArray(headers) &&
    !(headers instanceof Headers) &&
    typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function'
  ) {
    headers = [...(headers as Iterable<[string, string]>)];
  }
  const existing =
    headers === undefined || headers === null
      ? undefined
      : getHeader(headers as HeadersInput, header);
  if (existing !== undefined) {
    if (options.key !== undefined) {
      const parsed = parseIdempotencyKey(existing);
      if (!parsed.ok || parsed.key !== options.key) throw new IdempotencyKeyConflictError();
    }
    return (
      headers === (init as { headers?: unknown }).headers ? init : { ...init, headers }
    ) as WithKey<T>;
  }
  const value = formatIdempotencyKey(options.key ?? createIdempotencyKey(), options.format);
  let next: unknown;
  if (headers === undefined || headers === null) next = { [header]: value };
  else if (headers instanceof Headers) {
    next = new Headers(headers);
    (next as Headers).set(header, value);
  } else if (Array.isArray(headers)) next = [...headers, [header, value]];
  else {
    // A plain record (or axios' AxiosHeaders): copy own enumerable entries, no prototype.
    next = { ...(headers as Record<string, unknown>), [header]: value };
  }
  return { ...init, headers: next } as WithKey<T>;
}
