import { manualClock } from '@brace/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CacheEntry,
  type CacheStore,
  cacheStatusOf,
  createCache,
  memoryStore,
} from './index.js';
import { readDirectives } from './policy.js';

const URL_A = 'https://api.example.com/v1/items';
const MAX_AGE_MS = 120_000;

const numberish = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.constantFrom(
    '99999999999999999999999',
    '-0',
    '1e9',
    '0x10',
    '',
    ' 5',
    '"60"',
    'NaN',
    'Infinity',
    '3.7',
  ),
);
const directive = fc.oneof(
  numberish.map((n) => `max-age=${n}`),
  numberish.map((n) => `s-maxage=${n}`),
  numberish.map((n) => `stale-if-error=${n}`),
  numberish.map((n) => `stale-while-revalidate=${n}`),
  fc.constantFrom(
    'no-store',
    'no-cache',
    'must-revalidate',
    'proxy-revalidate',
    'private',
    'public',
    'immutable',
    'no-transform',
    '',
    ',',
    '=',
    '=5',
    'max-age',
    'max-age=',
    '__proto__=1',
    'constructor',
  ),
  fc.string({ maxLength: 12 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
);
const cacheControl = fc.array(directive, { maxLength: 6 }).map((d) => d.join(', '));
const headerValue = fc.string({ maxLength: 20 }).filter((s) => /^[\x21-\x7e]*$/.test(s));
const responseHeaders = fc.record(
  {
    'cache-control': cacheControl,
    age: fc.oneof(numberish, headerValue),
    vary: fc.constantFrom(
      '*',
      'accept',
      'accept, *',
      'x-a, x-b',
      '',
      ',,',
      'Accept-Language',
      'Authorization',
      'authorization, accept',
    ),
    expires: fc.constantFrom(
      '0',
      'garbage',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'Fri, 01 Jan 2100 00:00:00 GMT',
    ),
    etag: fc.constantFrom('"a"', 'W/"a"', 'garbage'),
    'last-modified': fc.constantFrom('Tue, 01 Dec 2026 10:00:00 GMT', 'garbage'),
    status: fc.constantFrom(200, 203, 204, 301, 404, 500, 503),
  },
  { requiredKeys: ['cache-control', 'status'] },
);

const step = fc.record({
  headers: responseHeaders,
  advanceMs: fc.integer({ min: 0, max: 100_000 }),
  caller: fc.integer({ min: 0, max: 2 }),
  fail: fc.boolean(),
  accept: fc.constantFrom('a', 'b'),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function watchingStore() {
  const inner = memoryStore({ clock: { now: () => 0 } });
  const ttls: number[] = [];
  const store: CacheStore = {
    get: (k) => inner.get(k),
    set: (k: string, e: CacheEntry, ttl: number) => {
      ttls.push(ttl);
      return inner.set(k, e, ttl);
    },
    delete: (k) => inner.delete(k),
  };
  return { store, ttls };
}

describe('hostile caching headers (property)', () => {
  it('never crash, never outlive maxAgeMs, never cross callers, never serve no-store/must-revalidate stale', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step as fc.Arbitrary<Step>, { minLength: 1, maxLength: 12 }),
        async (steps) => {
          const clock = manualClock({ now: 1_700_000_000_000 });
          const { store, ttls } = watchingStore();
          const cache = createCache({
            clock,
            store,
            maxAgeMs: MAX_AGE_MS,
            staleIfErrorMs: 60_000,
            staleWhileRevalidateMs: 30_000,
            lastKnownGood: 90_000,
          });
          /** What the origin last said to each caller: body, when, and its cache-control. */
          const produced = new Map<string, { at: number; cc: string }>();
          let answers = 0;
          for (const s of steps) {
            await clock.advance(s.advanceMs);
            const who = ['alice', 'bob', 'anon'][s.caller] as string;
            const headers: Record<string, string> = { accept: s.accept };
            if (who !== 'anon') headers.authorization = `Bearer secret-${who}`;
            const origin = async () => {
              if (s.fail) return new Response('down', { status: 503 });
              const { status, ...rest } = s.headers;
              // Unique per origin answer: two answers at the same instant (a background
              // refresh and a request, with no time between steps) must not be confused.
              const answer = `${who}@${clock.now()}@${++answers}`;
              const body = status === 204 ? null : answer;
              produced.set(answer, {
                at: clock.now(),
                cc: s.headers['cache-control'],
              });
              return new Response(body, { status, headers: rest as Record<string, string> });
            };
            const answer = await cache.handle(new Request(URL_A, { headers }), origin);
            const text = await answer.text();
            const status = cacheStatusOf(answer);
            if (status === undefined) continue;
            // From the cache: it must be this caller's (anon answers are shared by anon callers only).
            if (text !== '') expect(text.split('@')[0]).toBe(who);
            const origin_ = produced.get(text);
            if (origin_ !== undefined) {
              expect(clock.now() - origin_.at).toBeLessThanOrEqual(MAX_AGE_MS);
              const d = readDirectives(origin_.cc, who === 'anon');
              if (d.noStore) throw new Error('a no-store answer was served from the cache');
              if (status.reason !== 'fresh' && status.reason !== 'revalidated' && d.noStale) {
                throw new Error(`served ${status.reason} despite ${origin_.cc}`);
              }
            }
          }
          for (const ttl of ttls) expect(ttl).toBeLessThanOrEqual(MAX_AGE_MS);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads any Cache-Control without throwing, and duplicates of stale windows take the smallest', () => {
    fc.assert(
      fc.property(cacheControl, fc.boolean(), (cc, shared) => {
        const d = readDirectives(cc, shared);
        expect(typeof d.noStale).toBe('boolean');
        if (d.staleIfError !== undefined) expect(d.staleIfError).toBeGreaterThanOrEqual(0);
      }),
    );
    expect(readDirectives('stale-if-error=60, stale-if-error=5', true).staleIfError).toBe(5);
    expect(readDirectives('max-age=60, max-age=5', true).invalidFreshness).toBe(true);
    expect(readDirectives('max-age="60"', true).invalidFreshness).toBe(false);
    expect(readDirectives('s-maxage=60', true).noStale).toBe(true);
    expect(readDirectives('s-maxage=60', false).noStale).toBe(false);
  });

  it('treats duplicated max-age as stale and drops a negative Age', async () => {
    const clock = manualClock({ now: 0 });
    const cache = createCache({ clock });
    let calls = 0;
    const origin = (cc: string, age?: string) => async () => {
      calls++;
      return new Response('x', { headers: { 'cache-control': cc, ...(age ? { age } : {}) } });
    };
    const u1 = `${URL_A}/dup`;
    await (await cache.handle(new Request(u1), origin('max-age=600, max-age=60'))).text();
    await (await cache.handle(new Request(u1), origin('max-age=600, max-age=60'))).text();
    expect(calls).toBe(2);
    const u2 = `${URL_A}/age`;
    await (await cache.handle(new Request(u2), origin('max-age=60', '-100000'))).text();
    await clock.advance(61_000);
    await (await cache.handle(new Request(u2), origin('max-age=60', '-100000'))).text();
    expect(calls).toBe(4);
  });
});
