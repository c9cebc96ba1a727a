// Runs the official structured-field test suite (httpwg/structured-field-tests, vendored in
// test-vectors/structured-field-tests with its licence and commit): every parse case and
// every serialisation case, including the serialisation-tests folder.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StructuredFieldError } from './errors.js';
import {
  type BareItem,
  Decimal,
  type Dictionary,
  DisplayString,
  type InnerList,
  type Item,
  type List,
  type Parameters,
  parseDictionary,
  parseItem,
  parseList,
  StructuredDate,
  serializeDictionary,
  serializeItem,
  serializeList,
  Token,
} from './structured-fields.js';

const SUITE = fileURLToPath(new URL('../test-vectors/structured-field-tests/', import.meta.url));

type HeaderType = 'item' | 'list' | 'dictionary';
interface Case {
  name: string;
  raw?: string[];
  header_type: HeaderType;
  expected?: unknown;
  must_fail?: boolean;
  can_fail?: boolean;
  canonical?: string[];
}

/** A JSON number whose source text has a `.` (or exponent) is a Decimal, else an Integer. */
class JsonNumber {
  constructor(
    readonly value: number,
    readonly decimal: boolean,
  ) {}
}

function load(file: string): Case[] {
  const text = readFileSync(`${SUITE}${file}`, 'utf8');
  // JSON.parse source-text access (Node 21+): tells `1.0` from `1`.
  const reviver = (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number'
      ? new JsonNumber(value, /[.eE]/.test(context?.source ?? String(value)))
      : value;
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown) as Case[];
}

/** Plain JSON values of the case metadata (strings, booleans) are untouched by the reviver. */
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let buffer = 0;
  for (const c of text.replace(/=+$/, '')) {
    buffer = (buffer << 5) | B32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function bare(json: unknown): BareItem {
  if (json instanceof JsonNumber) return json.decimal ? new Decimal(json.value) : json.value;
  if (typeof json === 'string' || typeof json === 'boolean') return json;
  const typed = json as { __type: string; value: unknown };
  const inner = typed.value instanceof JsonNumber ? typed.value.value : typed.value;
  switch (typed.__type) {
    case 'token':
      return new Token(inner as string);
    case 'binary':
      return base32(inner as string);
    case 'displaystring':
      return new DisplayString(inner as string);
    case 'date': {
      const seconds = inner as number;
      return Math.abs(seconds) <= 8.64e12 ? new Date(seconds * 1000) : new StructuredDate(seconds);
    }
    default:
      throw new Error(`unknown __type ${typed.__type}`);
  }
}

function params(json: unknown): Parameters {
  return new Map((json as [string, unknown][]).map(([k, v]) => [k, bare(v)]));
}

function item(json: unknown): Item {
  const [value, p] = json as [unknown, unknown];
  return { value: bare(value), params: params(p) };
}

function member(json: unknown): Item | InnerList {
  const [first, p] = json as [unknown, unknown];
  if (Array.isArray(first)) return { items: first.map(item), params: params(p) };
  return item(json);
}

function expectedValue(c: Case): Item | List | Dictionary {
  if (c.header_type === 'item') return item(c.expected);
  if (c.header_type === 'list') return (c.expected as unknown[]).map(member);
  return new Map((c.expected as [string, unknown][]).map(([k, v]) => [k, member(v)]));
}

function parse(type: HeaderType, text: string): Item | List | Dictionary {
  if (type === 'item') return parseItem(text);
  return type === 'list' ? parseList(text) : parseDictionary(text);
}

function serialize(type: HeaderType, value: Item | List | Dictionary): string {
  if (type === 'item') return serializeItem(value as Item);
  return type === 'list' ? serializeList(value as List) : serializeDictionary(value as Dictionary);
}

/** The serialisation a case expects: canonical (or raw); an empty array means "omit" (''). */
function canonical(c: Case): string {
  const lines = c.canonical ?? c.raw ?? [];
  return lines.join(', ');
}

function files(dir: string): string[] {
  return readdirSync(`${SUITE}${dir}`)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `${dir}${f}`);
}

const PARSE_FILES = files('');
const SERIALISE_FILES = files('serialisation-tests/');
const tally = { parse: 0, serialise: 0, roundTrip: 0 };

describe('httpwg/structured-field-tests: parsing (every file at the top level)', () => {
  it('has the vendored files', () => {
    expect(PARSE_FILES.length).toBeGreaterThanOrEqual(20);
    expect(SERIALISE_FILES.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of PARSE_FILES) {
    describe(file, () => {
      for (const c of load(file)) {
        it(c.name, () => {
          const text = (c.raw as string[]).join(', ');
          if (c.must_fail) {
            expect(() => parse(c.header_type, text)).toThrow(StructuredFieldError);
            tally.parse++;
            return;
          }
          const parsed = parse(c.header_type, text);
          expect(parsed).toStrictEqual(expectedValue(c));
          tally.parse++;
          // The expected structure serialises to the canonical form...
          expect(serialize(c.header_type, expectedValue(c))).toBe(canonical(c));
          tally.serialise++;
          // ...and so does what we parsed: parse → serialise round-trips.
          expect(serialize(c.header_type, parsed)).toBe(canonical(c));
          tally.roundTrip++;
        });
      }
    });
  }
});

describe('httpwg/structured-field-tests: serialisation-tests/', () => {
  for (const file of SERIALISE_FILES) {
    describe(file, () => {
      for (const c of load(file)) {
        it(c.name, () => {
          const value = expectedValue(c);
          if (c.must_fail) {
            expect(() => serialize(c.header_type, value)).toThrow(StructuredFieldError);
          } else {
            expect(serialize(c.header_type, value)).toBe(canonical(c));
          }
          tally.serialise++;
        });
      }
    });
  }
});

describe('httpwg/structured-field-tests: totals', () => {
  it('ran every case (none skipped, none can-fail tolerated)', () => {
    const parseCases = PARSE_FILES.reduce((n, f) => n + load(f).length, 0);
    const serialiseOnly = SERIALISE_FILES.reduce((n, f) => n + load(f).length, 0);
    const valid = PARSE_FILES.reduce((n, f) => n + load(f).filter((c) => !c.must_fail).length, 0);
    expect(tally.parse).toBe(parseCases);
    expect(tally.serialise).toBe(valid + serialiseOnly);
    expect(tally.roundTrip).toBe(valid);
  });
});
