/**
 * Anything response or request headers come in: a Fetch `Headers`, a Node
 * `IncomingHttpHeaders`-like record or axios's `AxiosHeaders` / `RawAxiosResponseHeaders`
 * (names in any case; see {@link HeaderRecordValue}), or an iterable of `[name, value]` pairs
 * (for example `Map` entries or `Object.entries(...)`).
 *
 * @example
 * ```ts
 * import { getHeader, type HeadersInput } from '@brace/core';
 *
 * const fromFetch: HeadersInput = new Headers({ 'retry-after': '5' });
 * const fromNode: HeadersInput = { 'Retry-After': '5', 'set-cookie': ['a=1', 'b=2'] };
 * const fromPairs: HeadersInput = [['Retry-After', '5']];
 * getHeader(fromNode, 'retry-after'); // '5'
 * ```
 */
export type HeadersInput =
  | Headers
  | { readonly [name: string]: HeaderRecordValue }
  | Iterable<readonly [string, string]>;

/**
 * A value in a header record: what Node (`string | string[] | number`) and axios
 * (`AxiosHeaders`, `RawAxiosResponseHeaders`: also `boolean | null`) put there. Only strings,
 * numbers and arrays of strings are read; anything else counts as absent.
 *
 * @example
 * ```ts
 * import type { HeaderRecordValue } from '@brace/core';
 *
 * const value: HeaderRecordValue = ['a=1', 'b=2'];
 * ```
 */
export type HeaderRecordValue =
  | string
  | readonly string[]
  | number
  | boolean
  | null
  | undefined
  | object;

const HeadersCtor: typeof Headers | undefined = typeof Headers === 'function' ? Headers : undefined;

function sameName(key: string, lowerName: string): boolean {
  return key.length === lowerName.length && (key === lowerName || key.toLowerCase() === lowerName);
}

function append(found: string | undefined, value: string): string {
  return found === undefined ? value : `${found}, ${value}`;
}

/**
 * Reads one header, case-insensitively, from any {@link HeadersInput}. When the header occurs
 * several times (an array value, several pairs, or several record keys differing only in case),
 * the values are joined with `", "` as RFC 9110 §5.3 allows. Returns `undefined` when absent.
 * Never reads inherited properties (a `__proto__` or `constructor` name is just a name).
 *
 * @param headers - the headers to read
 * @param name - the header name, in any case
 * @returns the value, or `undefined` if the header is absent
 *
 * @example
 * ```ts
 * import { getHeader } from '@brace/core';
 *
 * getHeader(new Headers({ 'Retry-After': '120' }), 'retry-after'); // '120'
 * getHeader({ 'x-ratelimit-remaining': 0 }, 'X-RateLimit-Remaining'); // '0'
 * getHeader([['Vary', 'accept'], ['vary', 'origin']], 'Vary'); // 'accept, origin'
 * ```
 */
export function getHeader(headers: HeadersInput, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  if (HeadersCtor !== undefined && headers instanceof HeadersCtor) {
    try {
      return headers.get(name) ?? undefined;
    } catch {
      return undefined; // an invalid header name
    }
  }
  const lowerName = name.toLowerCase();
  let found: string | undefined;
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<readonly [string, string]>) {
      if (!Array.isArray(pair)) continue;
      const key = pair[0];
      const value = pair[1];
      if (typeof key !== 'string' || !sameName(key, lowerName)) continue;
      if (typeof value === 'string') found = append(found, value);
      else if (typeof value === 'number') found = append(found, String(value));
    }
    return found;
  }
  const record = headers as Record<string, unknown>;
  for (const key in record) {
    if (!sameName(key, lowerName) || !Object.hasOwn(record, key)) continue;
    const value = record[key];
    if (typeof value === 'string') found = append(found, value);
    else if (typeof value === 'number') found = append(found, String(value));
    else if (Array.isArray(value)) {
      for (const part of value) if (typeof part === 'string') found = append(found, part);
    }
  }
  return found;
}
