import { StructuredFieldError } from './errors.js';
import { encodeBase64, isAlpha, isKeyChar, isLcAlpha, TOKEN_CHAR } from './sf-chars.js';
import {
  type BareItem,
  Decimal,
  type Dictionary,
  DisplayString,
  type InnerList,
  type Item,
  type List,
  type Parameters,
  StructuredDate,
  Token,
} from './sf-values.js';

const MAX_INTEGER = 999_999_999_999_999;

function isItem(value: BareItem | Item): value is Item {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Token) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date) &&
    !(value instanceof DisplayString) &&
    !(value instanceof Decimal) &&
    !(value instanceof StructuredDate) &&
    'value' in value
  );
}

function serializeFail(what: string): never {
  throw new StructuredFieldError(`Cannot serialise structured field: ${what}.`);
}

/** Round half to even, as RFC 9651 §4.1.5 asks for decimals. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function serializeInteger(n: number): string {
  if (!Number.isInteger(n)) serializeFail('an integer must be a whole finite number');
  if (Math.abs(n) > MAX_INTEGER) serializeFail('an integer has at most 15 digits');
  return String(n + 0);
}

function serializeDecimal(n: number): string {
  if (!Number.isFinite(n)) serializeFail('a decimal must be finite');
  const thousandths = roundHalfEven(n * 1000);
  const abs = Math.abs(thousandths);
  const whole = Math.floor(abs / 1000);
  if (whole > 999_999_999_999) serializeFail('a decimal has at most 12 integer digits');
  let fraction = String(abs % 1000).padStart(3, '0');
  while (fraction.length > 1 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${thousandths < 0 ? '-' : ''}${whole}.${fraction}`;
}

/** A plain number: an Integer when whole, else a Decimal. */
function serializeNumber(n: number): string {
  if (!Number.isFinite(n)) serializeFail('a number must be finite');
  return Number.isInteger(n) ? serializeInteger(n) : serializeDecimal(n);
}

function serializeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) serializeFail('a string holds printable ASCII only');
    if (c === 34 || c === 92) out += '\\';
    out += s[i];
  }
  return `${out}"`;
}

function serializeToken(t: Token): string {
  const s = t.value;
  const first = s.charCodeAt(0);
  if (!(first === 42 || isAlpha(first))) serializeFail('a token starts with a letter or "*"');
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHAR[c] !== 1) serializeFail('a token holds tchar, ":" and "/" only');
  }
  return s;
}

function serializeDisplayString(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let out = '%"';
  for (const b of bytes) {
    if (b === 37 || b === 34 || b < 0x20 || b > 0x7e) out += `%${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

function serializeBareItem(value: BareItem): string {
  if (typeof value === 'number') return serializeNumber(value);
  if (value instanceof Decimal) return serializeDecimal(value.value);
  if (typeof value === 'string') return serializeString(value);
  if (typeof value === 'boolean') return value ? '?1' : '?0';
  if (value instanceof Token) return serializeToken(value);
  if (value instanceof Uint8Array) return `:${encodeBase64(value)}:`;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) serializeFail('the date is invalid');
    return `@${serializeInteger(Math.floor(ms / 1000))}`;
  }
  if (value instanceof StructuredDate) return `@${serializeInteger(value.seconds)}`;
  if (value instanceof DisplayString) return serializeDisplayString(value.value);
  return serializeFail('unsupported bare item type');
}

function serializeKey(key: string): string {
  const first = key.charCodeAt(0);
  if (!(isLcAlpha(first) || first === 42))
    serializeFail('a key starts with a lowercase letter or "*"');
  for (let i = 1; i < key.length; i++) {
    if (!isKeyChar(key.charCodeAt(i)))
      serializeFail('a key holds a-z, 0-9, "_", "-", "." and "*" only');
  }
  return key;
}

function serializeParams(params: Parameters | undefined): string {
  if (params === undefined) return '';
  let out = '';
  for (const [key, value] of params) {
    out += `;${serializeKey(key)}`;
    if (value !== true) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

function serializeMember(member: Item | InnerList): string {
  if ('items' in member && Array.isArray(member.items)) {
    let out = '(';
    for (let i = 0; i < member.items.length; i++) {
      if (i > 0) out += ' ';
      const item = member.items[i] as Item;
      out += serializeBareItem(item.value) + serializeParams(item.params);
    }
    return `${out})${serializeParams(member.params)}`;
  }
  const item = member as Item;
  return serializeBareItem(item.value) + serializeParams(item.params);
}

/**
 * Serialises an Item or a bare value (RFC 9651 §4.1.3). A whole `number` with at most 15
 * digits is written as an Integer, any other finite `number` and every {@link Decimal} as a
 * Decimal rounded to 3 fractional digits (half to even, at least one: `new Decimal(1)` is
 * `1.0`); a `Date` is written in whole seconds (rounded down), a {@link StructuredDate}
 * as its seconds.
 *
 * @param value - a bare value, or `{ value, params }`
 * @returns the field value text
 * @throws {@link StructuredFieldError} when the value cannot be represented (a non-ASCII
 * string, a non-finite or too large number, an invalid token or key, an invalid date, an
 * unsupported value type)
 *
 * @example
 * ```ts
 * import { serializeItem, Token } from '@brace/core';
 *
 * serializeItem('abc'); // '"abc"'
 * serializeItem({ value: new Token('burst'), params: new Map([['q', 100]]) }); // 'burst;q=100'
 * ```
 */
export function serializeItem(value: BareItem | Item): string {
  if (isItem(value)) return serializeBareItem(value.value) + serializeParams(value.params);
  return serializeBareItem(value);
}

/**
 * Serialises a List (RFC 9651 §4.1.1) of items and inner lists.
 *
 * @param list - the members, in order
 * @returns the field value text (empty for an empty list)
 * @throws {@link StructuredFieldError} when a member cannot be represented
 *
 * @example
 * ```ts
 * import { serializeList } from '@brace/core';
 *
 * serializeList([{ value: 'burst', params: new Map([['q', 100]]) }]); // '"burst";q=100'
 * ```
 */
export function serializeList(list: List): string {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += ', ';
    out += serializeMember(list[i] as Item | InnerList);
  }
  return out;
}

/**
 * Serialises a Dictionary (RFC 9651 §4.1.2); a member whose value is `true` is written as
 * its bare key.
 *
 * @param dict - the members by key, in order
 * @returns the field value text (empty for an empty dictionary)
 * @throws {@link StructuredFieldError} when a key or member cannot be represented
 *
 * @example
 * ```ts
 * import { serializeDictionary } from '@brace/core';
 *
 * serializeDictionary(new Map([['limit', { value: 100, params: new Map() }]])); // 'limit=100'
 * ```
 */
export function serializeDictionary(dict: Dictionary): string {
  let out = '';
  for (const [key, member] of dict) {
    if (out !== '') out += ', ';
    out += serializeKey(key);
    if ('value' in member && member.value === true) out += serializeParams(member.params);
    else out += `=${serializeMember(member)}`;
  }
  return out;
}
