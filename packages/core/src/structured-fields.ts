import { Parser } from './sf-parser.js';
import type { Dictionary, Item, List } from './sf-values.js';

export { StructuredFieldError } from './errors.js';
export { MAX_STRUCTURED_FIELD_LENGTH } from './sf-parser.js';
export { serializeDictionary, serializeItem, serializeList } from './sf-serializer.js';
export {
  type BareItem,
  Decimal,
  type Dictionary,
  DisplayString,
  type InnerList,
  type Item,
  type List,
  numberValue,
  type Parameters,
  StructuredDate,
  Token,
} from './sf-values.js';

/**
 * Parses a structured-field Item (RFC 9651 §4.2), such as an `Idempotency-Key` value.
 *
 * @param text - the field value (several field lines joined with `", "`); at most 128 KiB ({@link MAX_STRUCTURED_FIELD_LENGTH})
 * @returns the item: its bare value and parameters
 * @throws {@link StructuredFieldError} when the text is not a valid Item
 *
 * @example
 * ```ts
 * import { parseItem } from '@brace/core';
 *
 * parseItem('"8e03978e-40d5-43e8-bc93-6894a57f9324"').value; // '8e03978e-...'
 * parseItem('12.5;unit=s'); // { value: Decimal { value: 12.5 }, params: Map { 'unit' => Token('s') } }
 * ```
 */
export function parseItem(text: string): Item {
  const parser = new Parser(String(text));
  parser.skipSp();
  const item = parser.item();
  parser.end();
  return item;
}

/**
 * Parses a structured-field List (RFC 9651 §4.2.1), such as `RateLimit-Policy`.
 * An empty value is an empty list.
 *
 * @param text - the field value (several field lines joined with `", "`); at most 128 KiB ({@link MAX_STRUCTURED_FIELD_LENGTH})
 * @returns the members, in order
 * @throws {@link StructuredFieldError} when the text is not a valid List
 *
 * @example
 * ```ts
 * import { parseList } from '@brace/core';
 *
 * const [burst] = parseList('"burst";q=100;w=60,"daily";q=1000;w=86400');
 * burst?.params.get('q'); // 100
 * ```
 */
export function parseList(text: string): List {
  const parser = new Parser(String(text));
  parser.skipSp();
  const list = parser.list();
  parser.end();
  return list;
}

/**
 * Parses a structured-field Dictionary (RFC 9651 §4.2.2), such as the draft-07
 * `RateLimit: limit=100, remaining=50, reset=5`. A repeated key keeps its first position and
 * its last value. An empty value is an empty dictionary.
 *
 * @param text - the field value (several field lines joined with `", "`); at most 128 KiB ({@link MAX_STRUCTURED_FIELD_LENGTH})
 * @returns the members by key, in order
 * @throws {@link StructuredFieldError} when the text is not a valid Dictionary
 *
 * @example
 * ```ts
 * import { parseDictionary } from '@brace/core';
 *
 * parseDictionary('limit=100, remaining=50, reset=5').get('remaining'); // { value: 50, params: Map {} }
 * ```
 */
export function parseDictionary(text: string): Dictionary {
  const parser = new Parser(String(text));
  parser.skipSp();
  const dict = parser.dictionary();
  parser.end();
  return dict;
}
