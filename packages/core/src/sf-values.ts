/**
 * A structured-field Token (RFC 9651 §3.3.4): an unquoted identifier such as `gzip` or
 * `text/html`, kept apart from a String so that serialising it again gives a token.
 *
 * @example
 * ```ts
 * import { serializeItem, Token } from '@brace/core';
 *
 * serializeItem(new Token('gzip')); // 'gzip'
 * serializeItem('gzip');            // '"gzip"'
 * ```
 */
export class Token {
  /**
   * @param value - the token's characters (`*` or a letter first, then tchar, `:` or `/`)
   */
  constructor(
    /** The token's characters. */
    readonly value: string,
  ) {}

  /** The token's characters, so a Token reads naturally in template strings. */
  toString(): string {
    return this.value;
  }
}

/**
 * A structured-field Display String (RFC 9651 §3.3.8): Unicode text, sent as `%"..."` with
 * percent-encoded UTF-8. Kept apart from a String so that serialising it gives `%"..."`.
 *
 * @example
 * ```ts
 * import { DisplayString, parseItem, serializeItem } from '@brace/core';
 *
 * serializeItem(new DisplayString('füü')); // '%"f%c3%bc%c3%bc"'
 * (parseItem('%"f%c3%bc%c3%bc"').value as DisplayString).value; // 'füü'
 * ```
 */
export class DisplayString {
  /**
   * @param value - the Unicode text
   */
  constructor(
    /** The Unicode text. */
    readonly value: string,
  ) {}

  /** The Unicode text. */
  toString(): string {
    return this.value;
  }
}

/**
 * A structured-field Decimal (RFC 9651 §3.3.2), kept apart from an Integer so that `1.0`
 * stays a Decimal through parse → serialise. The parsers return every Decimal as a
 * `Decimal` (and every Integer as a plain `number`); to send a Decimal whose value is
 * whole, wrap it: `new Decimal(1)` serialises as `1.0`, while the plain number `1` is the
 * Integer `1`. A plain non-integer `number` (`4.5`) still serialises as a Decimal.
 *
 * `valueOf()` returns the number, so `+decimal` and `Number(decimal)` give it; use
 * {@link numberValue} to read an Integer or a Decimal alike.
 *
 * @example
 * ```ts
 * import { Decimal, parseItem, serializeItem } from '@brace/core';
 *
 * serializeItem(new Decimal(1)); // '1.0'
 * serializeItem(1);              // '1'
 * const q = parseItem('q;v=1.0').params.get('v'); // Decimal { value: 1 }
 * serializeItem({ value: 'q', params: new Map([['v', q ?? 0]]) }); // '"q";v=1.0'
 * ```
 */
export class Decimal {
  /**
   * @param value - the number; serialised rounded to 3 fractional digits (half to even),
   * with at most 12 integer digits
   */
  constructor(
    /** The number. */
    readonly value: number,
  ) {}

  /** The number, so `+decimal` and `Number(decimal)` work. */
  valueOf(): number {
    return this.value;
  }

  /** The number as JavaScript prints it (`1` for `1.0`; use `serializeItem` for the field form). */
  toString(): string {
    return String(this.value);
  }
}

/**
 * A structured-field Date (RFC 9651 §3.3.7) outside the range a JavaScript `Date` can hold
 * (±8.64e12 seconds; the syntax allows ±999,999,999,999,999). The parsers return a `Date`
 * whenever one can hold the value, and a `StructuredDate` only beyond that; the serialisers
 * accept both.
 *
 * @example
 * ```ts
 * import { parseItem, serializeItem, StructuredDate } from '@brace/core';
 *
 * serializeItem(new StructuredDate(999_999_999_999_999)); // '@999999999999999'
 * parseItem('@999999999999999').value; // StructuredDate { seconds: 999999999999999 }
 * parseItem('@1659578233').value;      // Date 2022-08-04T01:57:13.000Z
 * ```
 */
export class StructuredDate {
  /**
   * @param seconds - whole seconds since 1970-01-01T00:00:00Z (an Integer: at most 15 digits)
   */
  constructor(
    /** Whole seconds since the Unix epoch. */
    readonly seconds: number,
  ) {}

  /** The `Date` for these seconds, or `undefined` when a `Date` cannot hold them. */
  toDate(): Date | undefined {
    const date = new Date(this.seconds * 1000);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
}

/**
 * A bare item value: Integer (`number`), Decimal ({@link Decimal} when parsed; a plain
 * non-integer `number` is also serialised as one), String (`string`), Boolean, Token,
 * Byte Sequence (`Uint8Array`), Date (`Date`, whole seconds, or {@link StructuredDate}
 * beyond a `Date`'s range) or Display String.
 *
 * @example
 * ```ts
 * import { Decimal, type BareItem } from '@brace/core';
 *
 * const values: BareItem[] = [42, new Decimal(4.5), 'text', true, new Uint8Array([1, 2]), new Date(0)];
 * ```
 */
export type BareItem =
  | number
  | Decimal
  | string
  | boolean
  | Token
  | Uint8Array
  | Date
  | StructuredDate
  | DisplayString;

/**
 * The number an Integer or a Decimal carries, or `undefined` for any other bare item.
 *
 * @param value - a bare item, e.g. a parameter value
 * @returns the number, or `undefined` when the item is not numeric
 *
 * @example
 * ```ts
 * import { numberValue, parseItem } from '@brace/core';
 *
 * const { params } = parseItem('"burst";q=100;r=0.0');
 * numberValue(params.get('q')); // 100
 * numberValue(params.get('r')); // 0
 * numberValue('100');          // undefined
 * ```
 */
export function numberValue(value: BareItem | undefined): number | undefined {
  if (typeof value === 'number') return value;
  return value instanceof Decimal ? value.value : undefined;
}

/**
 * An item's or inner list's parameters, in order (keys are lowercase; a bare key is `true`).
 *
 * @example
 * ```ts
 * import { parseItem } from '@brace/core';
 *
 * parseItem('"burst";q=100;w=60').params.get('q'); // 100
 * ```
 */
export type Parameters = Map<string, BareItem>;

/**
 * A structured-field Item: a bare value with its parameters.
 *
 * @example
 * ```ts
 * import { parseItem, type Item } from '@brace/core';
 *
 * const item: Item = parseItem('5;foo=bar'); // { value: 5, params: Map { 'foo' => Token('bar') } }
 * ```
 */
export type Item = {
  /** The bare value. */
  value: BareItem;
  /** The item's parameters. */
  params: Parameters;
};

/**
 * An Inner List: `(a b c);param=1`, a parenthesised list of items with its own parameters.
 *
 * @example
 * ```ts
 * import { parseList, type InnerList } from '@brace/core';
 *
 * const inner = parseList('(1 2);x')[0] as InnerList; // items 1 and 2, params { x: true }
 * ```
 */
export type InnerList = {
  /** The members, in order. */
  items: Item[];
  /** The inner list's own parameters. */
  params: Parameters;
};

/**
 * A structured-field List: items and inner lists, in order.
 *
 * @example
 * ```ts
 * import { parseList, type List } from '@brace/core';
 *
 * const list: List = parseList('"burst";q=100, "daily";q=1000');
 * ```
 */
export type List = Array<Item | InnerList>;

/**
 * A structured-field Dictionary: ordered keys mapped to items or inner lists
 * (a bare key is the Boolean `true`).
 *
 * @example
 * ```ts
 * import { parseDictionary, type Dictionary } from '@brace/core';
 *
 * const dict: Dictionary = parseDictionary('limit=100, remaining=50, reset=5');
 * ```
 */
export type Dictionary = Map<string, Item | InnerList>;
