import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeadersInput } from './headers.js';
import {
  EPOCH_MILLISECONDS_THRESHOLD,
  EPOCH_SECONDS_THRESHOLD,
  parseRateLimit,
  type RateLimitInfo,
} from './rate-limit.js';

const NOW = 1_700_000_000_000;

describe('IETF draft-10: RateLimit + RateLimit-Policy', () => {
  it('reads the SPECS.md example: limit from the policy named like the RateLimit item', () => {
    const headers = new Headers({
      'RateLimit-Policy': '"burst";q=100;w=60,"daily";q=1000;w=86400',
      RateLimit: '"daily";r=50;t=30',
    });
    expect(parseRateLimit(headers, NOW)).toEqual({
      limit: 1000,
      remaining: 50,
      resetMs: 30_000,
      policies: [
        { name: 'burst', quota: 100, windowSec: 60 },
        { name: 'daily', quota: 1000, windowSec: 86_400 },
      ],
      source: 'ietf',
    } satisfies RateLimitInfo);
  });

  it('reads RateLimit alone (no policy: no limit)', () => {
    expect(parseRateLimit({ RateLimit: '"default";r=50;t=30' })).toEqual({
      remaining: 50,
      resetMs: 30_000,
      source: 'ietf',
    });
    expect(parseRateLimit({ RateLimit: '"default";r=0' })).toEqual({
      remaining: 0,
      source: 'ietf',
    });
  });

  it('reads quota units and partition keys (pk as canonical base64)', () => {
    const info = parseRateLimit({
      'ratelimit-policy': '"peruser";q=65535;qu="content-bytes";w=10;pk=:cHsdsRa8:',
      ratelimit: '"peruser";r=100;t=10;pk=:cHsdsRa8:',
    });
    expect(info).toEqual({
      limit: 65_535,
      remaining: 100,
      resetMs: 10_000,
      partitionKey: 'cHsdsRa8',
      policies: [
        {
          name: 'peruser',
          quota: 65_535,
          quotaUnit: 'content-bytes',
          windowSec: 10,
          partitionKey: 'cHsdsRa8',
        },
      ],
      source: 'ietf',
    });
  });

  it('picks the most constraining of several RateLimit items', () => {
    const headers = {
      'ratelimit-policy': '"permin";q=50;w=60, "perhr";q=1000;w=3600',
      ratelimit: '"perhr";r=400;t=1800, "permin";r=0;t=15, "other";r=0;t=40',
    };
    const info = parseRateLimit(headers) as RateLimitInfo;
    expect(info.remaining).toBe(0);
    expect(info.resetMs).toBe(40_000); // same remaining: the longer wait wins
    expect(info.limit).toBeUndefined(); // "other" has no policy
    const two = parseRateLimit({
      ...headers,
      ratelimit: '"perhr";r=400;t=1800, "permin";r=3;t=15',
    });
    expect(two).toMatchObject({ limit: 50, remaining: 3, resetMs: 15_000 });
    const tie = parseRateLimit({ ratelimit: '"a";r=1;t=5, "b";r=1, "c";r=1;t=2' });
    expect(tie).toMatchObject({ remaining: 1, resetMs: 5000 });
  });

  it('accepts token names, and ignores malformed items and params', () => {
    expect(parseRateLimit({ ratelimit: 'default;r=5;t=1' })).toMatchObject({ remaining: 5 });
    const info = parseRateLimit({
      'ratelimit-policy':
        '"ok";q=10;w=0;qu="parsecs", "noq";w=5, ("inner");q=1, "neg";q=-1, ?1;q=3, "s";q="1"',
      ratelimit: '"bad";r=-1, ("x");r=1, ?1;r=2, "s";r="1", "ok";r=3;pk="notbytes"',
    });
    expect(info).toEqual({
      limit: 10,
      remaining: 3,
      policies: [{ name: 'ok', quota: 10 }],
      source: 'ietf',
    });
  });

  it('ignores a syntactically broken RateLimit (falls through to other forms)', () => {
    expect(
      parseRateLimit({ ratelimit: '"default";r=50;t=', 'x-ratelimit-remaining': '7' }),
    ).toEqual({ remaining: 7, source: 'x-ratelimit' });
    expect(parseRateLimit({ ratelimit: '"', 'ratelimit-policy': '"' })).toBeUndefined();
  });

  it('reports RateLimit-Policy alone as policies, after every other form', () => {
    expect(parseRateLimit({ 'ratelimit-policy': '"default";q=100;w=10' })).toEqual({
      limit: 100,
      policies: [{ name: 'default', quota: 100, windowSec: 10 }],
      source: 'ietf',
    });
    expect(parseRateLimit({ 'ratelimit-policy': '"a";q=1, "b";q=2' })).toEqual({
      policies: [
        { name: 'a', quota: 1 },
        { name: 'b', quota: 2 },
      ],
      source: 'ietf',
    });
    expect(
      parseRateLimit({ 'ratelimit-policy': '"a";q=1', 'x-ratelimit-remaining': '3' }),
    ).toMatchObject({ remaining: 3, source: 'x-ratelimit' });
  });
});

describe('IETF draft-07 dictionary', () => {
  it('reads RateLimit: limit=100, remaining=50, reset=5', () => {
    expect(parseRateLimit({ RateLimit: 'limit=100, remaining=50, reset=5' })).toEqual({
      limit: 100,
      remaining: 50,
      resetMs: 5000,
      source: 'ietf-draft07',
    });
  });

  it('reads the draft-07 example with its unnamed policies', () => {
    const info = parseRateLimit({
      RateLimit: 'limit=10, remaining=1, reset=7',
      'RateLimit-Policy': '10;w=1, 50;w=60, 1000;w=3600, 5000;w=86400',
    });
    expect(info).toEqual({
      limit: 10,
      remaining: 1,
      resetMs: 7000,
      policies: [
        { name: '', quota: 10, windowSec: 1 },
        { name: '', quota: 50, windowSec: 60 },
        { name: '', quota: 1000, windowSec: 3600 },
        { name: '', quota: 5000, windowSec: 86_400 },
      ],
      source: 'ietf-draft07',
    });
    expect(parseRateLimit({ 'RateLimit-Policy': '10;w=1' })).toEqual({
      limit: 10,
      policies: [{ name: '', quota: 10, windowSec: 1 }],
      source: 'ietf-draft07',
    });
  });

  it('ignores malformed members, keeping the valid ones', () => {
    expect(parseRateLimit({ RateLimit: 'limit=-1, remaining=(1 2), reset=7' })).toEqual({
      resetMs: 7000,
      source: 'ietf-draft07',
    });
    expect(parseRateLimit({ RateLimit: 'limit="10", remaining=-2.5, other=1' })).toBeUndefined();
    expect(
      parseRateLimit({ 'RateLimit-Policy': '-1.5;w=1, -1;w=1, ?1, :AQI=:;w=2' }),
    ).toBeUndefined();
  });
});

describe('RateLimit-Limit / -Remaining / -Reset trio', () => {
  it('reads the trio, and the first member of a listed limit', () => {
    expect(
      parseRateLimit({
        'RateLimit-Limit': '10, 10;w=1, 50;w=60',
        'RateLimit-Remaining': '1',
        'RateLimit-Reset': '7',
      }),
    ).toEqual({ limit: 10, remaining: 1, resetMs: 7000, source: 'ratelimit-fields' });
    expect(parseRateLimit({ 'RateLimit-Limit': '100;window=60' })).toEqual({
      limit: 100,
      source: 'ratelimit-fields',
    });
  });

  it('is preferred over X-RateLimit-*, and draft-07 over the trio', () => {
    const headers = {
      'ratelimit-remaining': '1',
      'x-ratelimit-remaining': '99',
    };
    expect(parseRateLimit(headers)?.source).toBe('ratelimit-fields');
    expect(parseRateLimit({ ...headers, ratelimit: 'remaining=2' })).toEqual({
      remaining: 2,
      source: 'ietf-draft07',
    });
    expect(
      parseRateLimit({ ...headers, ratelimit: 'remaining=2', 'ratelimit-policy': '"p";q=5' }),
    ).toMatchObject({ remaining: 2, source: 'ietf-draft07' });
    expect(parseRateLimit({ ...headers, ratelimit: '"p";r=3' })?.source).toBe('ietf');
  });
});

describe('X-RateLimit-* (GitHub and others)', () => {
  it('reads GitHub headers, epoch reset converted with now', () => {
    const headers = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-reset': '1700000060',
      'x-ratelimit-resource': 'core',
    };
    expect(parseRateLimit(headers, NOW)).toEqual({
      limit: 5000,
      remaining: 4999,
      used: 1,
      resetMs: 60_000,
      resource: 'core',
      source: 'x-ratelimit',
    });
  });

  it('reads delta-second resets (below 1e9) as delays', () => {
    expect(parseRateLimit({ 'X-RateLimit-Reset': '30' }, NOW)).toEqual({
      resetMs: 30_000,
      source: 'x-ratelimit',
    });
    expect(parseRateLimit({ 'X-RateLimit-Reset': '1.5' }, NOW)?.resetMs).toBe(1500);
    expect(parseRateLimit({ 'X-RateLimit-Reset': '999999999' }, NOW)?.resetMs).toBe(
      999_999_999_000,
    );
  });

  it('reads epoch seconds (1e9 to 1e12) and epoch milliseconds (from 1e12)', () => {
    expect(EPOCH_SECONDS_THRESHOLD).toBe(1e9);
    expect(EPOCH_MILLISECONDS_THRESHOLD).toBe(1e12);
    expect(parseRateLimit({ 'X-RateLimit-Reset': '1700000001.5' }, NOW)?.resetMs).toBe(1500);
    expect(parseRateLimit({ 'X-RateLimit-Reset': '1700000002500' }, NOW)?.resetMs).toBe(2500);
    expect(parseRateLimit({ 'X-RateLimit-Reset': '1000000000' }, NOW)?.resetMs).toBe(0);
    expect(parseRateLimit({ 'X-RateLimit-Reset': '1600000000' }, NOW)?.resetMs).toBe(0);
    expect(parseRateLimit({ 'X-RateLimit-Reset': '1700000060' }, Number.NaN)).toBeUndefined();
  });

  it('defaults now to Date.now()', () => {
    const reset = String(Math.floor(Date.now() / 1000) + 100);
    const ms = parseRateLimit({ 'x-ratelimit-reset': reset })?.resetMs as number;
    expect(ms).toBeGreaterThan(90_000);
    expect(ms).toBeLessThanOrEqual(100_000);
  });

  it('ignores malformed fields individually', () => {
    expect(
      parseRateLimit({
        'x-ratelimit-limit': 'lots',
        'x-ratelimit-remaining': '-1',
        'x-ratelimit-reset': '12',
        'x-ratelimit-used': '1e3',
        'x-ratelimit-resource': '  ',
      }),
    ).toEqual({ resetMs: 12_000, source: 'x-ratelimit' });
    expect(parseRateLimit({ 'x-ratelimit-resource': 'core' })).toBeUndefined();
    expect(parseRateLimit({ 'x-ratelimit-used': '7' })).toEqual({ used: 7, source: 'x-ratelimit' });
    expect(parseRateLimit({ 'x-ratelimit-reset': '.5' })).toBeUndefined();
    expect(parseRateLimit({ 'x-ratelimit-reset': '5.' })).toBeUndefined();
    expect(parseRateLimit({ 'x-ratelimit-reset': '1.2.3' })).toBeUndefined();
    expect(parseRateLimit({ 'x-ratelimit-reset': '' })).toBeUndefined();
    expect(parseRateLimit({ 'x-ratelimit-reset': '9'.repeat(33) })).toBeUndefined();
    expect(parseRateLimit({ 'x-ratelimit-limit': '9'.repeat(5000) })).toBeUndefined();
  });

  it('trims whitespace and caps the resource name', () => {
    expect(
      parseRateLimit({ 'x-ratelimit-remaining': ' 5\t', 'x-ratelimit-resource': 'r'.repeat(100) }),
    ).toEqual({ remaining: 5, resource: 'r'.repeat(64), source: 'x-ratelimit' });
  });
});

describe('X-Rate-Limit-* (X / Twitter)', () => {
  it('reads the X API headers with an epoch reset', () => {
    expect(
      parseRateLimit(
        {
          'x-rate-limit-limit': '900',
          'x-rate-limit-remaining': '847',
          'x-rate-limit-reset': '1700000900',
        },
        NOW,
      ),
    ).toEqual({ limit: 900, remaining: 847, resetMs: 900_000, source: 'x-rate-limit' });
  });

  it('does not read GitHub-only fields for this form', () => {
    expect(
      parseRateLimit({ 'x-rate-limit-remaining': '1', 'x-ratelimit-resource': 'core' }),
    ).toEqual({ remaining: 1, source: 'x-rate-limit' });
  });
});

describe('Shopify', () => {
  it('reads X-Shopify-Shop-Api-Call-Limit: 32/40', () => {
    expect(parseRateLimit({ 'X-Shopify-Shop-Api-Call-Limit': '32/40' })).toEqual({
      limit: 40,
      remaining: 8,
      used: 32,
      source: 'shopify',
    });
    expect(parseRateLimit({ 'X-Shopify-Shop-Api-Call-Limit': '45/40' })?.remaining).toBe(0);
  });

  it.each([['32'], ['/40'], ['32/'], ['a/40'], ['32/40/1'], ['-1/40']])('ignores %j', (value) => {
    expect(parseRateLimit({ 'X-Shopify-Shop-Api-Call-Limit': value })).toBeUndefined();
  });
});

describe('decimals, missing remaining and negative resets (issue 17)', () => {
  it('accepts non-negative decimals in every count field of every form', () => {
    expect(parseRateLimit({ 'x-ratelimit-remaining': '0.0', 'x-ratelimit-reset': '30' })).toEqual({
      remaining: 0,
      resetMs: 30_000,
      source: 'x-ratelimit',
    });
    expect(
      parseRateLimit({
        'x-ratelimit-limit': '2500.0',
        'x-ratelimit-remaining': '2499.0',
        'x-ratelimit-used': '1.0',
      }),
    ).toEqual({ limit: 2500, remaining: 2499, used: 1, source: 'x-ratelimit' });
    expect(
      parseRateLimit({ 'ratelimit-limit': '10.0', 'ratelimit-remaining': '0.0, 5;w=1' }),
    ).toEqual({ limit: 10, remaining: 0, source: 'ratelimit-fields' });
    expect(parseRateLimit({ 'x-rate-limit-remaining': '1.5' })?.remaining).toBe(1.5);
    expect(parseRateLimit({ 'x-shopify-shop-api-call-limit': '32.0/40.0' })).toMatchObject({
      limit: 40,
      remaining: 8,
    });
    expect(parseRateLimit({ ratelimit: 'limit=10.0, remaining=0.0, reset=2.5' })).toEqual({
      limit: 10,
      remaining: 0,
      resetMs: 2500,
      source: 'ietf-draft07',
    });
    expect(
      parseRateLimit({
        'ratelimit-policy': '"d";q=100.0;w=60.0',
        ratelimit: '"d";r=0.0;t=1.5',
      }),
    ).toEqual({
      limit: 100,
      remaining: 0,
      resetMs: 1500,
      policies: [{ name: 'd', quota: 100, windowSec: 60 }],
      source: 'ietf',
    });
    expect(parseRateLimit({ 'ratelimit-policy': '10.0;w=1' })?.limit).toBe(10);
  });

  it('keeps the reset of the IETF draft\'s "missing remaining" example', () => {
    expect(
      parseRateLimit({ 'RateLimit-Policy': 'quota;q=100;w=1', RateLimit: 'quota;t=1' }),
    ).toEqual({
      limit: 100,
      resetMs: 1000,
      policies: [{ name: 'quota', quota: 100, windowSec: 1 }],
      source: 'ietf',
    });
    // An item with a remaining count constrains more than one without.
    expect(parseRateLimit({ ratelimit: 'a;t=90, b;r=4;t=5' })).toMatchObject({
      remaining: 4,
      resetMs: 5000,
    });
    expect(parseRateLimit({ ratelimit: 'a;t=5, b;t=90, c;t=7' })).toEqual({
      resetMs: 90_000,
      source: 'ietf',
    });
    expect(parseRateLimit({ ratelimit: 'a;pk=:AQI=:' })).toBeUndefined();
  });

  it('ignores a negative reset as a whole, in every form', () => {
    expect(parseRateLimit({ ratelimit: '"default";r=0;t=-1' })).toBeUndefined();
    // One item with a negative reset makes the whole draft-10 field malformed: the other
    // items are not used (they would report 5 remaining where the server says 0).
    expect(parseRateLimit({ ratelimit: '"a";r=0;t=-1, "b";r=5;t=10' })).toBeUndefined();
    expect(parseRateLimit({ ratelimit: '"b";r=5;t=10, "a";r=0;t="soon"' })).toBeUndefined();
    expect(
      parseRateLimit({
        'ratelimit-policy': '"a";q=10, "b";q=100',
        ratelimit: '"b";r=50;t=10, "a";r=0;t=-30',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '30',
      }),
    ).toEqual({ remaining: 0, resetMs: 30_000, source: 'x-ratelimit' });
    expect(parseRateLimit({ ratelimit: 'limit=10, remaining=0, reset=-5' })).toBeUndefined();
    expect(parseRateLimit({ ratelimit: 'limit=10, remaining=0, reset=-0.5' })).toBeUndefined();
    expect(parseRateLimit({ ratelimit: 'remaining=0, reset=(1 2)' })).toBeUndefined();
    expect(
      parseRateLimit({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '-1' }),
    ).toBeUndefined();
    expect(
      parseRateLimit({ 'ratelimit-remaining': '0', 'ratelimit-reset': 'soon' }),
    ).toBeUndefined();
    // ...and the next form is read instead.
    expect(
      parseRateLimit({
        'ratelimit-remaining': '0',
        'ratelimit-reset': '-3',
        'x-ratelimit-remaining': '2',
      }),
    ).toEqual({ remaining: 2, source: 'x-ratelimit' });
  });
});

describe('decimals and resets (properties)', () => {
  const decimal = fc
    .tuple(fc.nat({ max: 1_000_000 }), fc.option(fc.nat({ max: 999 }), { nil: undefined }))
    .map(([whole, fraction]) => (fraction === undefined ? `${whole}` : `${whole}.${fraction}`));

  it('reads any non-negative decimal count as its number, in every form', () => {
    fc.assert(
      fc.property(decimal, decimal, (remaining, limit) => {
        const r = Number(remaining);
        const l = Number(limit);
        expect(
          parseRateLimit({ 'x-ratelimit-remaining': remaining, 'x-ratelimit-limit': limit }),
        ).toEqual({
          limit: l,
          remaining: r,
          source: 'x-ratelimit',
        });
        expect(parseRateLimit({ ratelimit: `limit=${limit}, remaining=${remaining}` })).toEqual({
          limit: l,
          remaining: r,
          source: 'ietf-draft07',
        });
        expect(parseRateLimit({ ratelimit: `"p";r=${remaining}` })?.remaining).toBe(r);
      }),
    );
  });

  it('a negative reset always discards the reading it belongs to', () => {
    // (-0 is zero, not negative: RFC 9651 reads `t=-0` as 0.)
    const positive = decimal.filter((d) => Number(d) > 0);
    fc.assert(
      fc.property(decimal, positive, (remaining, reset) => {
        const negative = `-${reset}`;
        expect(
          parseRateLimit({ 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': negative }),
        ).toBeUndefined();
        expect(
          parseRateLimit({ ratelimit: `remaining=${remaining}, reset=${negative}` }),
        ).toBeUndefined();
        expect(parseRateLimit({ ratelimit: `"p";r=${remaining};t=${negative}` })).toBeUndefined();
        expect(
          parseRateLimit({ ratelimit: `"q";r=${remaining};t=5, "p";r=0;t=${negative}` }),
        ).toBeUndefined();
      }),
    );
  });
});

describe('parseRateLimit in general', () => {
  it('returns undefined when nothing usable is present', () => {
    expect(parseRateLimit({})).toBeUndefined();
    expect(parseRateLimit(new Headers({ 'content-type': 'text/plain' }))).toBeUndefined();
    expect(parseRateLimit([['ratelimit', '']])).toBeUndefined();
  });

  it('never throws, and every number is finite and non-negative (property)', () => {
    const names = [
      'ratelimit',
      'ratelimit-policy',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'x-ratelimit-used',
      'x-rate-limit-reset',
      'x-shopify-shop-api-call-limit',
    ];
    const sfish = fc
      .array(fc.constantFrom(...'"abrtqwpk019=;,:().-/ ?'.split('')), { maxLength: 30 })
      .map((parts) => parts.join(''));
    const value = fc.oneof(fc.string(), sfish, fc.nat().map(String), fc.double().map(String));
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), value),
        fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.double()),
        (headers, now) => {
          const info = parseRateLimit(headers as HeadersInput, now);
          if (info === undefined) return;
          for (const key of ['limit', 'remaining', 'resetMs', 'used'] as const) {
            const n = info[key];
            if (n !== undefined) {
              expect(Number.isFinite(n)).toBe(true);
              expect(n).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a Headers object exactly as the same fields in a plain record (property)', () => {
    const names = [
      'ratelimit',
      'ratelimit-policy',
      'RateLimit-Remaining',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'X-Rate-Limit-Limit',
      'x-shopify-shop-api-call-limit',
      'content-type',
      'x-generated-by',
      'retry-after',
    ];
    const value = fc.oneof(
      fc.nat(100).map(String),
      fc.constantFrom('"a";r=0;t=5', '"a";q=10;w=60', '3/40', 'limit=5, remaining=0'),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value), (record) => {
        const headers = new Headers(record);
        const lower = Object.fromEntries(
          Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]),
        );
        expect(parseRateLimit(headers, 0)).toEqual(parseRateLimit(lower, 0));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads any valid draft-10 pair (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(1e9),
        fc.nat(1e9),
        fc.nat(1e6),
        fc.stringMatching(/^[a-z]{1,8}$/),
        (q, r, t, name) => {
          const info = parseRateLimit({
            'ratelimit-policy': `"${name}";q=${q}`,
            ratelimit: `"${name}";r=${r};t=${t}`,
          });
          expect(info).toMatchObject({ limit: q, remaining: r, resetMs: t * 1000, source: 'ietf' });
        },
      ),
    );
  });
});
