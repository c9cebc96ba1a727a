// Linear-time guarantees of the header parsers, measured as work (characters examined by
// string built-ins, see work.fixture.ts) rather than time: deterministic on any machine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRateLimit } from './rate-limit.js';
import { parseRetryAfter } from './retry-after.js';
import {
  MAX_STRUCTURED_FIELD_LENGTH,
  parseDictionary,
  parseItem,
  parseList,
} from './structured-fields.js';
import { measureWork, workPerChar } from './work.fixture.js';

const SIZES = [1024, 4096, 16_384, MAX_STRUCTURED_FIELD_LENGTH - 8];

function allParsers(text: string): void {
  for (const parse of [parseItem, parseList, parseDictionary]) {
    try {
      parse(text);
    } catch {}
  }
}

/** Worst cases: escapes, many members, deep parameters, long base64, display strings. */
const WORST: Array<[string, (n: number) => string]> = [
  ['escaped string', (n) => `"${'\\\\'.repeat(Math.floor((n - 2) / 2))}"`],
  ['many dictionary members', (n) => `${'a=1,'.repeat(Math.floor(n / 4) - 1)}a=1`],
  ['long inner list', (n) => `(${'1 '.repeat(Math.floor((n - 2) / 2))})`],
  ['many parameters', (n) => `1${';a'.repeat(Math.floor((n - 1) / 2))}`],
  ['byte sequence', (n) => `:${'A'.repeat(n - 2 - ((n - 2) % 4))}:`],
  ['unterminated byte sequence', (n) => `:${'A'.repeat(n - 1)}`],
  ['display string', (n) => `%"${'%c3%bc'.repeat(Math.floor((n - 3) / 6))}"`],
  ['many colons', (n) => `${':'.repeat(n)}`],
  ['list of byte sequences', (n) => `${':AA==:,'.repeat(Math.floor(n / 7))}`],
];

describe('the work measure', () => {
  it('tells a quadratic scan from a linear one (so the bounds below are not vacuous)', () => {
    const quadratic = (s: string) => {
      for (let i = 0; i < s.length; i++) s.indexOf('x', i);
    };
    const linear = (s: string) => {
      for (let i = 0; i < s.length; i++) s.charCodeAt(i);
    };
    const build = (n: number) => 'a'.repeat(n);
    const q = workPerChar(build, quadratic, [256, 4096]);
    const l = workPerChar(build, linear, [256, 4096]);
    expect((q[1] as number) / (q[0] as number)).toBeGreaterThan(10);
    expect((l[1] as number) / (l[0] as number)).toBeLessThan(1.1);
  });
});

describe('structured-field parsers run in linear time (work, not time)', () => {
  it.each(WORST)('%s: work per character stays flat up to the bound', (_name, build) => {
    const perChar = workPerChar(build, allParsers, SIZES);
    for (const w of perChar) expect(w).toBeLessThan(40);
    // Quadratic work would grow ~32x from the smallest to the largest size.
    expect((perChar.at(-1) as number) / (perChar[0] as number)).toBeLessThan(1.5);
  });

  it('refuses input over the bound after looking at its length only', () => {
    const huge = 'a'.repeat(1_000_000);
    expect(measureWork(() => allParsers(huge))).toBeLessThan(1000);
  });

  it('any input: work is at most a constant per character (property)', () => {
    const sfChars = fc.constantFrom(...'abAZ09*-_.:/;=,() "\\?@%!'.split(''));
    fc.assert(
      fc.property(fc.array(sfChars, { maxLength: 300 }), (chars) => {
        const text = chars.join('');
        expect(measureWork(() => allParsers(text))).toBeLessThanOrEqual(60 * (text.length + 1));
      }),
      { numRuns: 300 },
    );
  });
});

describe('rate-limit and Retry-After parsers run in linear time', () => {
  const forms: Array<[string, (n: number) => Record<string, string>]> = [
    [
      'draft-10 items',
      (n) => ({ ratelimit: '"a";r=1;t=2,'.repeat(Math.floor(n / 12)) + '"b";r=0' }),
    ],
    [
      'draft-10 policies',
      (n) => ({ 'ratelimit-policy': '"a";q=1;w=2,'.repeat(Math.floor(n / 12)) + '"b";q=1' }),
    ],
    [
      'draft-07 dictionary',
      (n) => ({ ratelimit: 'limit=1,'.repeat(Math.floor(n / 8)) + 'reset=1' }),
    ],
    [
      'x-ratelimit decimals',
      (n) => ({
        'x-ratelimit-remaining': '1'.repeat(n),
        'x-ratelimit-limit': `${'1.0,'.repeat(Math.floor(n / 4))}`,
      }),
    ],
    [
      'shopify',
      (n) => ({ 'x-shopify-shop-api-call-limit': `${'1'.repeat(n / 2)}/${'2'.repeat(n / 2)}` }),
    ],
  ];

  it.each(forms)('%s: work per character stays flat', (_name, build) => {
    const sizes = [256, 1024, 4096];
    const perChar = sizes.map((n) => {
      const headers = build(n);
      const length = Object.values(headers).reduce((sum, v) => sum + v.length, 0);
      return measureWork(() => parseRateLimit(headers, 0)) / length;
    });
    for (const w of perChar) expect(w).toBeLessThan(40);
    expect((perChar.at(-1) as number) / (perChar[0] as number)).toBeLessThan(1.5);
  });

  it('Retry-After looks at no more than its 64-character bound', () => {
    expect(measureWork(() => parseRetryAfter(`${'9'.repeat(1_000_000)}`))).toBeLessThan(100);
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (text) => {
        expect(measureWork(() => parseRetryAfter(text, 0))).toBeLessThan(2000);
      }),
    );
  });
});
