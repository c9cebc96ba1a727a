import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const NOV_6_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);
const MONTH_NAMES = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

describe('parseRetryAfter: delay-seconds', () => {
  it.each([
    ['120', 120_000], // RFC 9110 §10.2.3 example
    ['0', 0],
    ['00', 0],
    ['1', 1000],
    ['2.0', 2000],
    ['1.5', 1500],
    ['0.25', 250],
    ['0.0001', 0],
    [' 3 ', 3000],
    ['\t4', 4000],
    ['86400', 86_400_000],
  ])('%j → %d ms', (value, expected) => {
    expect(parseRetryAfter(value)).toBe(expected);
  });

  it.each([
    [''],
    ['   '],
    ['-1'],
    ['+1'],
    ['.5'],
    ['5.'],
    ['1.2.3'],
    ['1e3'],
    ['0x10'],
    ['Infinity'],
    ['NaN'],
    ['12 s'],
    ['1,000'],
    ['soon'],
    ['1'.repeat(65)],
    [`${' '.repeat(60)}12345`],
  ])('%j → undefined', (value) => {
    expect(parseRetryAfter(value)).toBeUndefined();
  });

  it('accepts null and undefined, as from headers.get', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(5 as unknown as string)).toBeUndefined();
  });

  it('gives n * 1000 for any non-negative integer n (property)', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(parseRetryAfter(String(n))).toBe(n * 1000);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), (n) => {
        expect(parseRetryAfter(n.toString())).toBe(Number(n) * 1000);
      }),
    );
  });

  it('reads decimals to the millisecond (property)', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: 0, max: 999 }), (whole, ms) => {
        const text = `${whole}.${String(ms).padStart(3, '0')}`;
        expect(parseRetryAfter(text)).toBe(whole * 1000 + ms);
      }),
    );
  });
});

describe('parseRetryAfter: HTTP-date', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
  ])('reads the RFC 9110 §5.6.7 %s example', (_form, value) => {
    expect(parseRetryAfter(value, NOV_6_1994 - 37_000)).toBe(37_000);
    expect(parseRetryAfter(value, NOV_6_1994)).toBe(0);
  });

  it('reads the RFC 9110 §10.2.3 example and the structured-field-tests dates', () => {
    const now = Date.UTC(1999, 11, 31, 23, 0, 0);
    expect(parseRetryAfter('Fri, 31 Dec 1999 23:59:59 GMT', now)).toBe(59 * 60_000 + 59_000);
    const oct2 = Date.UTC(2018, 9, 2, 10, 21, 0);
    expect(parseRetryAfter('Tue, 02 Oct 2018 10:22:00 GMT', oct2)).toBe(60_000);
    expect(parseRetryAfter('Tuesday, 02-Oct-18 10:22:00 GMT', oct2)).toBe(60_000);
    expect(parseRetryAfter('Tue Oct  2 10:22:00 2018', oct2)).toBe(60_000);
    expect(parseRetryAfter('Tue Oct 12 10:22:00 2018', oct2)).toBe(10 * 86_400_000 + 60_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(0);
  });

  it('defaults now to Date.now()', () => {
    const future = new Date(Date.now() + 3_600_000).toUTCString();
    const ms = parseRetryAfter(future) as number;
    expect(ms).toBeGreaterThan(3_590_000);
    expect(ms).toBeLessThanOrEqual(3_600_000);
  });

  it('tolerates a one-digit IMF day and any-case names, and the leap second', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('Thu, 1 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('THU, 01 JAN 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('thursday, 01-jan-26 00:00:10 GMT', now)).toBe(10_000);
    expect(
      parseRetryAfter('Wed, 31 Dec 2025 23:59:60 GMT', Date.UTC(2025, 11, 31, 23, 59, 59)),
    ).toBe(1000);
  });

  it('applies RFC 9110 two-digit-year rule to RFC 850 dates', () => {
    const in2026 = Date.UTC(2026, 5, 1);
    const at = (value: string, now: number) => (parseRetryAfter(value, now) as number) + now;
    // 76 → 2076 is exactly 50 years ahead: not "more than 50 years", so stays 2076.
    expect(new Date(at('Monday, 01-Jun-76 00:00:00 GMT', in2026)).getUTCFullYear()).toBe(2076);
    // 94 → 2094 would be 68 years ahead: the most recent past 1994 instead (a past date → 0).
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', in2026)).toBe(0);
    expect(new Date(at('Wednesday, 01-Jul-26 00:00:00 GMT', in2026)).getUTCFullYear()).toBe(2026);
    // Late in a century, a small two-digit year is in the next century.
    const in2090 = Date.UTC(2090, 0, 1);
    expect(new Date(at('Friday, 01-Jan-10 00:00:00 GMT', in2090)).getUTCFullYear()).toBe(2110);
  });

  it('compares the whole timestamp with now + 50 years, not the year alone (issue 17)', () => {
    const now = Date.UTC(2026, 11, 7, 16, 0, 0);
    // 2076-12-31 is 50 years and 24 days ahead: more than 50 years, so it is 1976 (past → 0).
    expect(parseRetryAfter('Thursday, 31-Dec-76 00:00:00 GMT', now)).toBe(0);
    // 2076-12-07 15:59:59 is just under 50 years ahead: it stays 2076.
    const justUnder = parseRetryAfter('Monday, 07-Dec-76 15:59:59 GMT', now) as number;
    expect(new Date(now + justUnder).toISOString()).toBe('2076-12-07T15:59:59.000Z');
    // ...and one second past the 50 years is 1976.
    expect(parseRetryAfter('Monday, 07-Dec-76 16:00:01 GMT', now)).toBe(0);
    // 29-Feb of a two-digit year that is only leap in the other century.
    const in2090 = Date.UTC(2090, 0, 1);
    const leap = parseRetryAfter('Tuesday, 29-Feb-00 00:00:00 GMT', in2090);
    expect(leap).toBe(0); // 2100 is not a leap year; 2000 is (in the past)
    expect(parseRetryAfter('Sunday, 29-Feb-01 00:00:00 GMT', now)).toBeUndefined();
  });

  it('never reads a two-digit year as more than 50 years ahead (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2200, 0, 1) }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 28 }),
        (now, yy, month, day) => {
          const mon = MONTH_NAMES[month] as string;
          const text = `Monday, ${String(day).padStart(2, '0')}-${mon}-${String(yy).padStart(2, '0')} 00:00:00 GMT`;
          const delay = parseRetryAfter(text, now) as number;
          const limit = new Date(now);
          limit.setUTCFullYear(limit.getUTCFullYear() + 50);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(now + delay).toBeLessThanOrEqual(limit.getTime());
        },
      ),
    );
  });

  it('handles years below 100 without Date.UTC mapping them to the 1900s', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('Sat, 01 Jan 0000 00:00:00 GMT', now)).toBe(0);
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 0, 1);
    expect(parseRetryAfter('Thu, 01 Jan 0050 00:00:10 GMT', year50.getTime())).toBe(10_000);
  });

  it.each([
    ['Sun, 31 Feb 2026 00:00:00 GMT'],
    ['Sun, 29 Feb 2025 00:00:00 GMT'],
    ['Sun, 29 Feb 2100 00:00:00 GMT'],
    ['Sun, 31 Apr 2026 00:00:00 GMT'],
    ['Sun, 00 Nov 1994 08:49:37 GMT'],
    ['Sun, 06 Foo 1994 08:49:37 GMT'],
    ['Sun, 06 Nov 1994 24:00:00 GMT'],
    ['Sun, 06 Nov 1994 08:60:00 GMT'],
    ['Sun, 06 Nov 1994 08:49:61 GMT'],
    ['Sun, 06 Nov 1994 08:49:37 UTC'],
    ['Sun, 06 Nov 1994 08:49:37 GMT+1'],
    ['Sun, 06 Nov 1994 08-49-37 GMT'],
    ['Sun, 06 Nov 1994 8:49:37 GMT'],
    ['Sun, 06 Nov 94 08:49:37 GMT'],
    ['Sun, 06  Nov 1994 08:49:37 GMT'],
    ['Sun,06 Nov 1994 08:49:37 GMT'],
    ['Sun, 06 Nov 1994 08:49:37'],
    ['Sun, 06 Nov 1994X08:49:37 GMT'],
    ['Sun, 06 NovX1994 08:49:37 GMT'],
    ['Sun, 06XNov 1994 08:49:37 GMT'],
    ['Sun, XX Nov 1994 08:49:37 GMT'],
    ['Sun, 06 Nov 19X4 08:49:37 GMT'],
    ['Xyz, 06 Nov 1994 08:49:37 GMT'],
    ['Sunday, 06 Nov 1994 08:49:37 GMT'],
    ['Sunday, 06-Nov-1994 08:49:37 GMT'],
    ['Sunday, 06-Nov-94 08:49:37'],
    ['Sunday,06-Nov-94 08:49:37 GMT'],
    ['Sunday, 06/Nov/94 08:49:37 GMT'],
    ['Sunday, 06-Nov/94 08:49:37 GMT'],
    ['Sunday, 06-Nov-94X08:49:37 GMT'],
    ['Sunday, 06-Nov-94 08:49:3x GMT'],
    ['Sunday, 31-Nov-94 08:49:37 GMT'],
    ['Funday, 06-Nov-94 08:49:37 GMT'],
    ['Sun Nov 6 08:49:37 1994'],
    ['Sun Nov  6 08:49:37 94'],
    ['Sun Nov  6 08:49:37 1994 GMT'],
    ['Sun Nov 31 08:49:37 1994'],
    ['Xyz Nov  6 08:49:37 1994'],
    ['Sun Xyz  6 08:49:37 1994'],
    ['Sun-Nov  6 08:49:37 1994'],
    ['Sun Nov-06 08:49:37 1994'],
    ['Sun Nov  6 08:49:37-1994'],
    ['Sun Nov  6X08:49:37 1994'],
    ['Sun Nov  6 08:49:37 19x4'],
    ['Sun Nov  x 08:49:37 1994'],
    ['Sun Nov  6 08:49:xx 1994'],
    ['1994-11-06T08:49:37Z'],
    ['Sun,'],
    ['Sun, 06 Nov 19'],
    ['Sunday, 06-Nov-9'],
    [','],
  ])('rejects %j', (value) => {
    expect(parseRetryAfter(value, NOV_6_1994 - 1000)).toBeUndefined();
  });

  it('returns undefined for a date when now is not finite', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Number.NaN)).toBeUndefined();
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', 1e300)).toBeUndefined();
    expect(parseRetryAfter('7', Number.NaN)).toBe(7000);
  });

  it('round-trips any Date formatted with toUTCString (property)', () => {
    const min = Date.UTC(1000, 0, 1);
    const max = Date.UTC(9999, 11, 31);
    fc.assert(
      fc.property(
        fc.integer({ min, max }),
        fc.integer({ min: 0, max: 10 * 365 * 86_400 }),
        (nowMs, aheadSec) => {
          const now = Math.floor(nowMs / 1000) * 1000;
          const target = Math.min(now + aheadSec * 1000, Math.floor(max / 1000) * 1000);
          expect(parseRetryAfter(new Date(target).toUTCString(), now)).toBe(target - now);
        },
      ),
    );
  });

  it('round-trips asctime and RFC 850 renderings (property)', () => {
    const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    const pad = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const d = new Date(Math.floor(ms / 1000) * 1000);
        const [, , mon] = d.toUTCString().split(' ');
        const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
        const day = days[d.getUTCDay()] as string;
        const asc = `${day.slice(0, 3)} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${d.getUTCFullYear()}`;
        const now = d.getTime() - 5000;
        expect(parseRetryAfter(asc, now)).toBe(5000);
        const rfc850 = `${day}, ${pad(d.getUTCDate())}-${mon}-${pad(d.getUTCFullYear() % 100)} ${time} GMT`;
        expect(parseRetryAfter(rfc850, now)).toBe(5000);
      }),
    );
  });

  it('never throws and never returns NaN or a negative number (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' })),
        fc.double(),
        (value, now) => {
          const ms = parseRetryAfter(value, now);
          if (ms !== undefined) {
            expect(Number.isNaN(ms)).toBe(false);
            expect(ms).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on date-like noise (property)', () => {
    const chars = fc.constantFrom(...'SunMoTeWdhFriSaJbpyNvDcg0123456789 ,:-GMT'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }), (parts) => {
        const ms = parseRetryAfter(parts.join(''), NOV_6_1994);
        expect(ms === undefined || (Number.isFinite(ms) && ms >= 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
