import { StructuredFieldError } from './errors.js';
import {
  decodeBase64,
  hexValue,
  isAlpha,
  isDigit,
  isKeyChar,
  isLcAlpha,
  TOKEN_CHAR,
} from './sf-chars.js';
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

/** The largest time value a `Date` holds, in ms (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * Longest field value, in characters, that {@link parseItem}, {@link parseList} and
 * {@link parseDictionary} accept (128 KiB); longer input throws {@link StructuredFieldError}
 * before any parsing, so parsing time and memory stay bounded (the parsers are linear in
 * the input). RFC 9651 §3 lets parsers bound their input, but requires every minimum it
 * states to be met. The largest is §3.2's Dictionary of 1,024 members whose keys have 64
 * characters (67,582 characters with bare keys, 69,630 with `=1` values); a 16,384-byte
 * Byte Sequence (§3.3.5) is 21,850 characters, 256 parameters with 64-character keys
 * (§3.1.2) about 17,000; 1,024 list members, 256 inner-list members, 1,024-character
 * strings and 512-character tokens all fit as well.
 *
 * @example
 * ```ts
 * import { MAX_STRUCTURED_FIELD_LENGTH, parseList } from '@brace/core';
 *
 * const value = headers.get('ratelimit-policy') ?? '';
 * if (value.length <= MAX_STRUCTURED_FIELD_LENGTH) parseList(value);
 * ```
 */
export const MAX_STRUCTURED_FIELD_LENGTH = 128 * 1024;

/** The RFC 9651 §4.2 parsing algorithms over one input string (internal). */
export class Parser {
  pos = 0;
  constructor(readonly s: string) {
    if (s.length > MAX_STRUCTURED_FIELD_LENGTH) {
      throw new StructuredFieldError(
        `Structured field is ${s.length} characters long; at most ${MAX_STRUCTURED_FIELD_LENGTH} are accepted.`,
      );
    }
  }

  fail(what: string): never {
    throw new StructuredFieldError(`Invalid structured field at position ${this.pos}: ${what}.`);
  }

  peek(): number {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }

  skipSp(): void {
    while (this.s.charCodeAt(this.pos) === 32) this.pos++;
  }

  skipOws(): void {
    for (let c = this.peek(); c === 32 || c === 9; c = this.peek()) this.pos++;
  }

  end(): void {
    this.skipSp();
    if (this.pos < this.s.length) this.fail('unexpected characters after the value');
  }

  list(): List {
    const members: List = [];
    while (this.pos < this.s.length) {
      members.push(this.itemOrInnerList());
      this.skipOws();
      if (this.pos >= this.s.length) return members;
      if (this.peek() !== 44) this.fail('expected "," between list members');
      this.pos++;
      this.skipOws();
      if (this.pos >= this.s.length) this.fail('trailing comma');
    }
    return members;
  }

  dictionary(): Dictionary {
    const dict: Dictionary = new Map();
    while (this.pos < this.s.length) {
      const key = this.key();
      if (this.peek() === 61) {
        this.pos++;
        dict.set(key, this.itemOrInnerList());
      } else {
        dict.set(key, { value: true, params: this.parameters() });
      }
      this.skipOws();
      if (this.pos >= this.s.length) return dict;
      if (this.peek() !== 44) this.fail('expected "," between dictionary members');
      this.pos++;
      this.skipOws();
      if (this.pos >= this.s.length) this.fail('trailing comma');
    }
    return dict;
  }

  itemOrInnerList(): Item | InnerList {
    return this.peek() === 40 ? this.innerList() : this.item();
  }

  innerList(): InnerList {
    this.pos++; // (
    const items: Item[] = [];
    for (;;) {
      this.skipSp();
      const c = this.peek();
      if (c === 41) {
        this.pos++;
        return { items, params: this.parameters() };
      }
      if (c < 0) this.fail('unterminated inner list');
      items.push(this.item());
      const next = this.peek();
      if (next !== 32 && next !== 41) this.fail('expected " " or ")" in inner list');
    }
  }

  item(): Item {
    const value = this.bareItem();
    return { value, params: this.parameters() };
  }

  bareItem(): BareItem {
    const c = this.peek();
    if (c === 45 || isDigit(c)) return this.number();
    if (c === 34) return this.string();
    if (c === 42 || isAlpha(c)) return this.token();
    if (c === 58) return this.byteSequence();
    if (c === 63) return this.boolean();
    if (c === 64) return this.date();
    if (c === 37) return this.displayString();
    return this.fail('expected an item');
  }

  parameters(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === 59) {
      this.pos++;
      this.skipSp();
      const key = this.key();
      let value: BareItem = true;
      if (this.peek() === 61) {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  key(): string {
    const start = this.pos;
    const c = this.peek();
    if (!isLcAlpha(c) && c !== 42) this.fail('expected a key (lowercase letter or "*")');
    this.pos++;
    while (this.pos < this.s.length && isKeyChar(this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(start, this.pos);
  }

  number(): number | Decimal {
    const start = this.pos;
    if (this.peek() === 45) this.pos++;
    if (!isDigit(this.peek())) this.fail('expected a digit');
    let dot = -1;
    for (;;) {
      const c = this.peek();
      if (isDigit(c)) {
        this.pos++;
      } else if (c === 46 && dot < 0) {
        if (this.pos - start - (this.s.charCodeAt(start) === 45 ? 1 : 0) > 12) {
          this.fail('a decimal has at most 12 integer digits');
        }
        dot = this.pos++;
      } else break;
      const digits = this.pos - start - (this.s.charCodeAt(start) === 45 ? 1 : 0);
      if (dot < 0 && digits > 15) this.fail('an integer has at most 15 digits');
      if (dot >= 0 && digits > 16) this.fail('a decimal has at most 16 characters');
    }
    // `+ 0` turns -0 into 0: RFC 9651 has no negative zero.
    const value = Number(this.s.slice(start, this.pos)) + 0;
    if (dot < 0) return value;
    const fraction = this.pos - dot - 1;
    if (fraction === 0) this.fail('a decimal needs a digit after "."');
    if (fraction > 3) this.fail('a decimal has at most 3 fractional digits');
    return new Decimal(value);
  }

  string(): string {
    this.pos++; // "
    let out = '';
    let from = this.pos;
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated string');
      const c = this.s.charCodeAt(this.pos);
      if (c === 34) {
        out += this.s.slice(from, this.pos++);
        return out;
      }
      if (c === 92) {
        const next = this.s.charCodeAt(this.pos + 1);
        if (next !== 34 && next !== 92) this.fail('a string may only escape \\ and "');
        out += this.s.slice(from, this.pos);
        this.pos++;
        from = this.pos++;
        continue;
      }
      if (c < 0x20 || c > 0x7e) this.fail('a string holds printable ASCII only');
      this.pos++;
    }
  }

  token(): Token {
    const start = this.pos++;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c >= 128 || TOKEN_CHAR[c] !== 1) break;
      this.pos++;
    }
    return new Token(this.s.slice(start, this.pos));
  }

  byteSequence(): Uint8Array {
    this.pos++; // :
    const start = this.pos;
    const close = this.s.indexOf(':', start);
    if (close < 0) this.fail('unterminated byte sequence');
    const bytes = decodeBase64(this.s, start, close);
    if (bytes === undefined) {
      this.pos = start;
      this.fail('a byte sequence holds base64 only');
    }
    this.pos = close + 1;
    return bytes;
  }

  boolean(): boolean {
    this.pos++; // ?
    const c = this.peek();
    if (c !== 48 && c !== 49) this.fail('a boolean is ?0 or ?1');
    this.pos++;
    return c === 49;
  }

  date(): Date | StructuredDate {
    this.pos++; // @
    const start = this.pos;
    const seconds = this.number();
    if (typeof seconds !== 'number') {
      this.pos = start;
      this.fail('a date is an integer number of seconds');
    }
    return Math.abs(seconds * 1000) <= MAX_DATE_MS
      ? new Date(seconds * 1000)
      : new StructuredDate(seconds);
  }

  displayString(): DisplayString {
    this.pos++; // %
    if (this.peek() !== 34) this.fail('expected \'"\' after "%"');
    this.pos++;
    const bytes: number[] = [];
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated display string');
      const c = this.s.charCodeAt(this.pos);
      if (c < 0x20 || c > 0x7e) this.fail('a display string holds printable ASCII only');
      if (c === 34) {
        this.pos++;
        try {
          return new DisplayString(
            new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes)),
          );
        } catch (cause) {
          throw new StructuredFieldError(
            `Invalid structured field at position ${this.pos}: a display string must be UTF-8.`,
            { cause },
          );
        }
      }
      if (c === 37) {
        const hi = hexValue(this.s.charCodeAt(this.pos + 1));
        const lo = hexValue(this.s.charCodeAt(this.pos + 2));
        if (hi < 0 || lo < 0) this.fail('expected two lowercase hex digits after "%"');
        bytes.push(hi * 16 + lo);
        this.pos += 3;
      } else {
        bytes.push(c);
        this.pos++;
      }
    }
  }
}
