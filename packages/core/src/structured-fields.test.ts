import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BraceError, isBraceError } from './errors.js';
import { toBase64 } from './sf-chars.js';
import {
  type BareItem,
  Decimal,
  type Dictionary,
  DisplayString,
  type InnerList,
  type Item,
  type List,
  MAX_STRUCTURED_FIELD_LENGTH,
  numberValue,
  parseDictionary,
  parseItem,
  parseList,
  StructuredDate,
  StructuredFieldError,
  serializeDictionary,
  serializeItem,
  serializeList,
  Token,
} from './structured-fields.js';
import { measureWork } from './work.fixture.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const p = (entries: Array<[string, BareItem]> = []) => new Map(entries);
const item = (value: BareItem, params: Array<[string, BareItem]> = []): Item => ({
  value,
  params: p(params),
});

function fails(parse: (text: string) => unknown, text: string): StructuredFieldError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(StructuredFieldError);
    return error as StructuredFieldError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

describe('RFC 9651 examples', () => {
  it('Foo-Example item with a parameter (§2)', () => {
    expect(parseItem('2; foourl="https://foo.example.com/"')).toEqual(
      item(2, [['foourl', 'https://foo.example.com/']]),
    );
  });

  it('lists of strings and tokens, one line or two joined (§3.1)', () => {
    expect(parseList('"foo", "bar", "It was the best of times."')).toEqual([
      item('foo'),
      item('bar'),
      item('It was the best of times.'),
    ]);
    expect(parseList('foo, bar')).toEqual([item(new Token('foo')), item(new Token('bar'))]);
    expect(parseList(['foo', 'bar'].join(', '))).toEqual(parseList('foo, bar'));
  });

  it('inner lists, including an empty one and parameters (§3.1.1)', () => {
    expect(parseList('("foo" "bar"), ("baz"), ("bat" "one"), ()')).toEqual([
      { items: [item('foo'), item('bar')], params: p() },
      { items: [item('baz')], params: p() },
      { items: [item('bat'), item('one')], params: p() },
      { items: [], params: p() },
    ]);
    expect(parseList('("foo"; a=1;b=2);lvl=5, ("bar" "baz");lvl=1')).toEqual([
      {
        items: [
          item('foo', [
            ['a', 1],
            ['b', 2],
          ]),
        ],
        params: p([['lvl', 5]]),
      },
      { items: [item('bar'), item('baz')], params: p([['lvl', 1]]) },
    ]);
  });

  it('parameters (§3.1.2)', () => {
    expect(parseList('abc;a=1;b=2; cde_456, (ghi;jk=4 l);q="9";r=w')).toEqual([
      item(new Token('abc'), [
        ['a', 1],
        ['b', 2],
        ['cde_456', true],
      ]),
      {
        items: [item(new Token('ghi'), [['jk', 4]]), item(new Token('l'))],
        params: p([
          ['q', '9'],
          ['r', new Token('w')],
        ]),
      },
    ]);
    expect(parseItem('1; a; b=?0')).toEqual(
      item(1, [
        ['a', true],
        ['b', false],
      ]),
    );
  });

  it('dictionaries (§3.2)', () => {
    const dict = parseDictionary('en="Applepie", da=:w4ZibGV0w6ZydGU=:');
    expect(dict.get('en')).toEqual(item('Applepie'));
    expect(new TextDecoder().decode((dict.get('da') as Item).value as Uint8Array)).toBe(
      'Æbletærte',
    );
    expect(parseDictionary('a=?0, b, c; foo=bar')).toEqual(
      new Map([
        ['a', item(false)],
        ['b', item(true)],
        ['c', item(true, [['foo', new Token('bar')]])],
      ]),
    );
    expect(parseDictionary('rating=1.5, feelings=(joy sadness)')).toEqual(
      new Map<string, Item | InnerList>([
        ['rating', item(new Decimal(1.5))],
        ['feelings', { items: [item(new Token('joy')), item(new Token('sadness'))], params: p() }],
      ]),
    );
    expect(serializeDictionary(parseDictionary('a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid'))).toBe(
      'a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid',
    );
    expect(parseDictionary(['foo=1', 'bar=2'].join(', '))).toEqual(
      new Map([
        ['foo', item(1)],
        ['bar', item(2)],
      ]),
    );
  });

  it('bare item types (§3.3)', () => {
    expect(parseItem('5; foo=bar')).toEqual(item(5, [['foo', new Token('bar')]]));
    expect(parseItem('42').value).toBe(42);
    expect(parseItem('-42').value).toBe(-42);
    expect(parseItem('042').value).toBe(42);
    expect(Object.is(parseItem('-0').value, 0)).toBe(true);
    expect(parseItem('4.5').value).toEqual(new Decimal(4.5));
    expect(parseItem('-1.23').value).toEqual(new Decimal(-1.23));
    expect(parseItem('1.0').value).toEqual(new Decimal(1));
    expect(parseItem('-0.0').value).toEqual(new Decimal(0));
    expect(parseItem('"hello world"').value).toBe('hello world');
    expect(parseItem('"foo \\"bar\\" \\\\ baz"').value).toBe('foo "bar" \\ baz');
    expect(parseItem('foo123/456').value).toEqual(new Token('foo123/456'));
    expect(parseItem('*').value).toEqual(new Token('*'));
    expect(parseItem('text/html:x').value).toEqual(new Token('text/html:x'));
    const binary = parseItem(':cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:').value as Uint8Array;
    expect(new TextDecoder().decode(binary)).toBe('pretend this is binary content.');
    expect(parseItem('::').value).toEqual(new Uint8Array());
    expect(parseItem('?1').value).toBe(true);
    expect(parseItem('?0').value).toBe(false);
    expect(parseItem('@1659578233').value).toEqual(new Date(1_659_578_233_000));
    expect(parseItem('@-62135596800').value).toEqual(new Date('0001-01-01T00:00:00Z'));
    expect(parseItem('%"This is intended for display to %c3%bcsers."').value).toEqual(
      new DisplayString('This is intended for display to üsers.'),
    );
    expect(parseItem('%"foo %22bar%22 \\ baz"').value).toEqual(
      new DisplayString('foo "bar" \\ baz'),
    );
    expect(parseItem('%"BOM: %ef%bb%bf"').value).toEqual(new DisplayString('BOM: \uFEFF'));
  });

  it('integer and decimal limits (§3.3.1, §3.3.2)', () => {
    expect(parseItem('999999999999999').value).toBe(999_999_999_999_999);
    expect(parseItem('-999999999999999').value).toBe(-999_999_999_999_999);
    fails(parseItem, '1000000000000000');
    fails(parseItem, '-1000000000000000');
    expect(parseItem('123456789012.123').value).toEqual(new Decimal(123_456_789_012.123));
    expect(parseItem('-123456789012.123').value).toEqual(new Decimal(-123_456_789_012.123));
    fails(parseItem, '1234567890123.1');
    fails(parseItem, '1.1234');
    fails(parseItem, '1.');
    fails(parseItem, '1.5.4');
    fails(parseItem, '1..4');
    fails(parseItem, '-');
    fails(parseItem, '-a23');
    fails(parseItem, '4-2');
    fails(parseItem, '2,3');
  });
});

describe('Integer vs Decimal, large byte sequences, dates beyond Date (issue 17)', () => {
  it('a Decimal stays a Decimal: q=1.0 and 1.0 round-trip', () => {
    expect(serializeItem(parseItem('1.0'))).toBe('1.0');
    expect(serializeItem(parseItem('"x";q=1.0'))).toBe('"x";q=1.0');
    expect(serializeList(parseList('a;q=1.0, b;q=1'))).toBe('a;q=1.0, b;q=1');
    expect(serializeItem(parseItem('-1.0'))).toBe('-1.0');
  });

  it('users build a Decimal with new Decimal(n); plain numbers keep their old meaning', () => {
    expect(serializeItem(new Decimal(1))).toBe('1.0');
    expect(serializeItem(1)).toBe('1');
    expect(serializeItem(1.25)).toBe('1.25');
    const d = new Decimal(2.5);
    expect(+d * 2).toBe(5);
    expect(Number(d)).toBe(2.5);
    expect(+d > 2).toBe(true);
    expect(`${d}`).toBe('2.5');
    expect(String(new Decimal(1))).toBe('1');
  });

  it('numberValue reads Integers and Decimals alike, nothing else', () => {
    const { params } = parseItem('x;a=3;b=0.0;c="3";d');
    expect(numberValue(params.get('a'))).toBe(3);
    expect(numberValue(params.get('b'))).toBe(0);
    expect(numberValue(params.get('c'))).toBeUndefined();
    expect(numberValue(params.get('d'))).toBeUndefined();
    expect(numberValue(undefined)).toBeUndefined();
  });

  it('accepts a 16,384-byte Byte Sequence (RFC 9651 §3.3.5 minimum)', () => {
    const data = new Uint8Array(16_384).map((_, i) => (i * 7) % 256);
    const text = `:${toBase64(data)}:`;
    expect(text.length).toBe(21_850);
    expect(parseItem(text).value).toEqual(data);
    expect(serializeItem(data)).toBe(text);
  });

  it('dates beyond a JS Date parse and serialise as StructuredDate', () => {
    const max = parseItem('@999999999999999').value;
    expect(max).toEqual(new StructuredDate(999_999_999_999_999));
    expect((max as StructuredDate).toDate()).toBeUndefined();
    expect(serializeItem(max)).toBe('@999999999999999');
    expect(parseItem('@-999999999999999').value).toEqual(new StructuredDate(-999_999_999_999_999));
    expect(parseItem('@8640000000000').value).toEqual(new Date(8_640_000_000_000_000));
    expect(parseItem('@8640000000001').value).toEqual(new StructuredDate(8_640_000_000_001));
    expect(new StructuredDate(1_659_578_233).toDate()).toEqual(new Date(1_659_578_233_000));
    fails(parseItem, '@1.0');
  });
});

describe('parse failures', () => {
  it.each([
    ['unbalanced string', '"foo'],
    ['bad escape', '"foo \\,"'],
    ['escape at end', '"foo \\'],
    ['control char in string', '"a\tb"'],
    ['non-ASCII in string', '"café"'],
    ['single-quoted string', "'foo'"],
    ['unterminated byte sequence', ':aGVsbG8='],
    ['non-base64 bytes', ':aGVsbG!8=:'],
    ['space in bytes', ':aGVs bG8=:'],
    ['impossible base64 length', ':a:'],
    ['non-ASCII in bytes', ':aé==:'],
    ['bad boolean', '?2'],
    ['empty boolean', '?'],
    ['decimal date', '@1.5'],
    ['zero-point date', '@1.0'],
    ['non-numeric date', '@abc'],
    ['uppercase display hex', '%"f%C3%BC"'],
    ['short display escape', '%"foo %a"'],
    ['display escape at end', '%"%'],
    ['unquoted display string', '%foo'],
    ['unterminated display string', '%"foo'],
    ['tab in display string', '%"\t"'],
    ['invalid UTF-8 in display string', '%"%c3%28"'],
    ['empty', ''],
    ['only spaces', '   '],
    ['leading tab', '\t1'],
    ['trailing junk', '1 2'],
    ['bad first char', '!'],
    ['uppercase param key', '1;A=1'],
    ['space before =', '1;a =1'],
    ['space after =', '1;a= 1'],
    ['empty param key', '1;=1'],
    ['non-ASCII token', 'föo'],
  ])('parseItem rejects %s', (_name, text) => {
    const error = fails(parseItem, text);
    expect(error.code).toBe('STRUCTURED_FIELD_SYNTAX');
    expect(error.message).toMatch(/position \d+/);
  });

  it.each([
    ['trailing comma', '1, 42,'],
    ['empty member', '1,,42'],
    ['space before ;', 'text/html, text/plain ;q=0.5'],
    ['unterminated inner list', '(1 42'],
    ['inner list needs spaces', '(1,2)'],
    ['missing comma', '1 42'],
  ])('parseList rejects %s', (_name, text) => {
    fails(parseList, text);
  });

  it.each([
    ['trailing comma', 'a=1, b=2,'],
    ['empty member', 'a=1,,b=2'],
    ['uppercase key', 'A=1'],
    ['digit-first key', '1a=1'],
    ['missing comma', 'a=1 b=2'],
    ['bad value', 'a=!'],
  ])('parseDictionary rejects %s', (_name, text) => {
    fails(parseDictionary, text);
  });

  it('bounds input length before parsing', () => {
    const long = `"${'a'.repeat(MAX_STRUCTURED_FIELD_LENGTH)}"`;
    expect(MAX_STRUCTURED_FIELD_LENGTH).toBe(131_072);
    expect(fails(parseItem, long).message).toMatch(/at most 131072/);
    expect(parseItem(`"${'a'.repeat(MAX_STRUCTURED_FIELD_LENGTH - 2)}"`).value).toHaveLength(
      MAX_STRUCTURED_FIELD_LENGTH - 2,
    );
  });

  it('admits the largest RFC 9651 minimums: 1,024 dictionary members with 64-character keys (§3.2), 256 parameters with 64-character keys (§3.1.2)', () => {
    const key = (i: number) => `k${String(i).padStart(63, '0')}`;
    const members = Array.from({ length: 1024 }, (_, i) => key(i));
    const bare = members.join(', ');
    expect(bare.length).toBe(67_582);
    expect([...parseDictionary(bare).keys()]).toEqual(members);
    const valued = members.map((k) => `${k}=1`).join(', ');
    expect(parseDictionary(valued).get(key(1023))).toEqual({ value: 1, params: new Map() });
    const params = Array.from({ length: 256 }, (_, i) => `;${key(i)}=?1`).join('');
    expect(parseItem(`a${params}`).params.size).toBe(256);
    expect(parseList(`(1 2)${params}`)[0]?.params.size).toBe(256);
  });

  it('parses worst-case inputs up to the bound in linear time', () => {
    const n = MAX_STRUCTURED_FIELD_LENGTH;
    const inputs = [
      `"${'\\\\'.repeat((n - 2) / 2)}"`,
      'a=1,'.repeat(n / 4 - 1) + 'a=1',
      `(${'1 '.repeat((n - 2) / 2)})`,
      `1${';a'.repeat((n - 1) / 2 - 1)}`,
      `:${'A'.repeat(n - 2)}:`,
      `%"${'%c3%bc'.repeat(Math.floor((n - 3) / 6))}"`,
    ];
    for (const text of inputs) {
      expect(text.length).toBeLessThanOrEqual(n);
      // Work (characters examined), not time: see linear.test.ts for the scaling checks.
      const work = measureWork(() => {
        try {
          parseDictionary(text);
        } catch {}
        try {
          parseList(text);
        } catch {}
      });
      expect(work).toBeLessThan(40 * n);
    }
    expect((parseItem(inputs[0] as string).value as string).length).toBe((n - 2) / 2);
  });

  it('never echoes the input in the message', () => {
    const secret = 'sk_live_SECRET';
    expect(fails(parseItem, `"${secret}`).message).not.toContain(secret);
  });

  it('StructuredFieldError is a BraceError with a cause when there is one', () => {
    const error = fails(parseItem, '%"%ff"');
    expect(error).toBeInstanceOf(BraceError);
    expect(isBraceError(error, 'STRUCTURED_FIELD_SYNTAX')).toBe(true);
    expect(error.name).toBe('StructuredFieldError');
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe('parse details', () => {
  it('accepts surrounding spaces, OWS around commas, and empty list/dictionary', () => {
    expect(parseItem('  42  ').value).toBe(42);
    expect(parseList('')).toEqual([]);
    expect(parseList('   ')).toEqual([]);
    expect(parseDictionary('')).toEqual(new Map());
    expect(parseList('1 ,\t 42')).toEqual([item(1), item(42)]);
    expect(parseList('(  1  42  )')).toEqual([{ items: [item(1), item(42)], params: p() }]);
  });

  it('overwrites duplicate keys, keeping first position', () => {
    expect([...parseDictionary('a=1, b=2, a=3')]).toEqual([
      ['a', item(3)],
      ['b', item(2)],
    ]);
    expect([...parseItem('1;a=1;b=2;a=3').params]).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });

  it('accepts base64 without padding or with non-zero pad bits (§4.2.7)', () => {
    expect(parseItem(':aGVsbG8:').value).toEqual(bytes('hello'));
    expect(parseItem(':aGVsbA:').value).toEqual(bytes('hell'));
    expect(parseItem(':iZ==:').value).toEqual(new Uint8Array([0x89]));
  });

  it('keys may start with * and hold _ - . *', () => {
    expect([...parseDictionary('*a_b-c.d*=1').keys()]).toEqual(['*a_b-c.d*']);
  });

  it('a dictionary member with parameters and no value is true', () => {
    expect(parseDictionary('a;x=1')).toEqual(new Map([['a', item(true, [['x', 1]])]]));
  });

  it('coerces a non-string argument to a string', () => {
    expect(parseItem(42 as unknown as string).value).toBe(42);
  });
});

describe('serializeItem', () => {
  it.each<[BareItem | Item, string]>([
    ['abc', '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['', '""'],
    [42, '42'],
    [-0, '0'],
    [-42, '-42'],
    [999_999_999_999_999, '999999999999999'],
    [1.5, '1.5'],
    [-1.5, '-1.5'],
    [0.1, '0.1'],
    [1.0001, '1.0'],
    [new Decimal(1), '1.0'],
    [new Decimal(-0), '0.0'],
    [new Decimal(9.9995), '10.0'],
    [new Decimal(2.5), '2.5'],
    [new StructuredDate(999_999_999_999_999), '@999999999999999'],
    [new StructuredDate(-999_999_999_999_999), '@-999999999999999'],
    [0.0005, '0.0'],
    [0.0015, '0.002'],
    [0.0025, '0.002'],
    [-0.0015, '-0.002'],
    [2.5e-4, '0.0'],
    [123_456_789_012.5, '123456789012.5'],
    [true, '?1'],
    [false, '?0'],
    [new Token('text/html'), 'text/html'],
    [new Token('*'), '*'],
    [new Uint8Array([1, 2, 3, 4]), ':AQIDBA==:'],
    [new Uint8Array([1, 2]), ':AQI=:'],
    [new Uint8Array([1, 2, 3]), ':AQID:'],
    [new Uint8Array(), '::'],
    [new Date(1_659_578_233_000), '@1659578233'],
    [new Date(1_659_578_233_999), '@1659578233'],
    [new Date(-1500), '@-2'],
    [new DisplayString('füü'), '%"f%c3%bc%c3%bc"'],
    [new DisplayString('50% "off"'), '%"50%25 %22off%22"'],
    [
      item('burst', [
        ['q', 100],
        ['w', 60],
      ]),
      '"burst";q=100;w=60',
    ],
    [
      item(new Token('a'), [
        ['flag', true],
        ['off', false],
      ]),
      'a;flag;off=?0',
    ],
    [{ value: 1, params: undefined } as unknown as Item, '1'],
  ])('%o → %s', (value, expected) => {
    expect(serializeItem(value)).toBe(expected);
  });

  it.each<[string, BareItem | Item]>([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['too large integer', 1e15],
    ['too large decimal', 1e12 + 0.5],
    ['non-ASCII string', 'café'],
    ['control character', 'a\nb'],
    ['bad token start', new Token('1abc')],
    ['empty token', new Token('')],
    ['bad token char', new Token('a b')],
    ['non-ASCII token', new Token('aé')],
    ['invalid date', new Date(Number.NaN)],
    ['NaN Decimal', new Decimal(Number.NaN)],
    ['too large Decimal', new Decimal(1e12)],
    ['fractional StructuredDate', new StructuredDate(1.5)],
    ['too large StructuredDate', new StructuredDate(1e15)],
    ['uppercase param key', item(1, [['Q', 1]])],
    ['bad param key char', item(1, [['a!', 1]])],
    ['bad param value', item(1, [['a', Number.NaN]])],
    ['unknown type', { foo: 1 } as unknown as BareItem],
    ['null', null as unknown as BareItem],
  ])('throws StructuredFieldError for %s', (_name, value) => {
    expect(() => serializeItem(value)).toThrow(StructuredFieldError);
  });

  it('Token and DisplayString convert to their text', () => {
    expect(`${new Token('gzip')}`).toBe('gzip');
    expect(`${new DisplayString('ü')}`).toBe('ü');
  });
});

describe('serializeList / serializeDictionary', () => {
  it('serialises the RFC examples canonically', () => {
    for (const text of [
      '("foo";a=1;b=2);lvl=5, ("bar" "baz");lvl=1',
      'abc;a=1;b=2;cde_456, (ghi;jk=4 l);q="9";r=w',
      '"burst";q=100;w=60, "daily";q=1000;w=86400',
      '(), (1)',
    ]) {
      expect(serializeList(parseList(text))).toBe(text);
    }
    expect(serializeList([])).toBe('');
    expect(serializeDictionary(parseDictionary('a=?0, b, c;foo=bar'))).toBe('a=?0, b, c;foo=bar');
    expect(serializeDictionary(new Map())).toBe('');
    expect(() => serializeDictionary(new Map([['Bad', item(1)]]))).toThrow(StructuredFieldError);
    expect(() => serializeDictionary(new Map([['', item(1)]]))).toThrow(StructuredFieldError);
  });
});

// Arbitraries for round-trip properties.
const keyArb = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,8}$/);
const tokenArb = fc
  .stringMatching(/^[A-Za-z*][!#$%&'*+\-.^_`|~:/0-9A-Za-z]{0,10}$/)
  .map((t) => new Token(t));
const bareArb: fc.Arbitrary<BareItem> = fc.oneof(
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
  fc
    .tuple(
      fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }),
      fc.integer({ min: 1, max: 999 }),
    )
    .map(([whole, frac]) => new Decimal(Number(`${whole}.${String(frac).padStart(3, '0')}`) + 0)),
  fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }).map((n) => new Decimal(n + 0)),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
  tokenArb,
  fc.uint8Array({ maxLength: 20 }),
  fc.boolean(),
  fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }).map((s) => new Date(s * 1000)),
  fc
    .integer({ min: 8_640_000_000_001, max: 999_999_999_999_999 })
    .chain((s) => fc.constantFrom(s, -s))
    .map((s) => new StructuredDate(s)),
  fc.string({ unit: 'grapheme' }).map((s) => new DisplayString(s)),
);
const paramsArb = fc
  .uniqueArray(fc.tuple(keyArb, bareArb), { selector: ([k]) => k, maxLength: 4 })
  .map((entries) => new Map(entries));
const itemArb: fc.Arbitrary<Item> = fc.record({ value: bareArb, params: paramsArb });
const memberArb: fc.Arbitrary<Item | InnerList> = fc.oneof(
  itemArb,
  fc.record({ items: fc.array(itemArb, { maxLength: 4 }), params: paramsArb }),
);

describe('properties', () => {
  it('serializeItem → parseItem round-trips every item', () => {
    fc.assert(
      fc.property(itemArb, (value) => {
        expect(parseItem(serializeItem(value))).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('serializeItem of a bare value parses back to that value', () => {
    fc.assert(
      fc.property(bareArb, (value) => {
        expect(parseItem(serializeItem(value)).value).toEqual(value);
      }),
    );
  });

  it('lists and dictionaries round-trip', () => {
    fc.assert(
      fc.property(fc.array(memberArb, { maxLength: 5 }), (list: List) => {
        expect(parseList(serializeList(list))).toEqual(list);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(keyArb, memberArb), { selector: ([k]) => k, maxLength: 5 }),
        (entries) => {
          const dict: Dictionary = new Map(entries);
          expect(parseDictionary(serializeDictionary(dict))).toEqual(dict);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('base64 matches the platform encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        expect(toBase64(data)).toBe(Buffer.from(data).toString('base64'));
      }),
    );
  });

  it('parsers throw nothing but StructuredFieldError on any input', () => {
    const sfChars = fc.constantFrom(...'abcAZ019*-_.:/;=,() "\\?@%!#$\'+^`|~\t'.split(''));
    const inputs = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(sfChars, { maxLength: 40 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(inputs, (text) => {
        for (const parse of [parseItem, parseList, parseDictionary]) {
          try {
            parse(text);
          } catch (error) {
            expect(error).toBeInstanceOf(StructuredFieldError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('parsed numbers are always finite and within the RFC ranges', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{0,5})?$/), (text) => {
        try {
          const value = Number(parseItem(text).value);
          expect(Number.isFinite(value)).toBe(true);
          expect(Math.abs(value)).toBeLessThan(1e15);
        } catch (error) {
          expect(error).toBeInstanceOf(StructuredFieldError);
        }
      }),
    );
  });
});
