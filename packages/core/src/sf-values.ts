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
 * A bare item value: Integer or Decimal (`number`), String (`string`), Boolean, Token,
 * Byte Sequence (`Uint8Array`), Date (`Date`, whole seconds) or Display String.
 *
 * @example
 * ```ts
 * import type { BareItem } from '@brace/core';
 *
 * const values: BareItem[] = [42, 4.5, 'text', true, new Uint8Array([1, 2]), new Date(0)];
 * ```
 */
export type BareItem = number | string | boolean | Token | Uint8Array | Date | DisplayString;

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
