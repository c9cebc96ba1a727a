// The hit path decides plain requests from a per-entry plan (remembered freshness lifetime,
// prebuilt header list) instead of re-evaluating the policy: it must answer exactly what
// http-cache-semantics answers. Property test against the library itself.
import { manualClock } from '@brace/core';
import fc from 'fast-check';
import CachePolicy from 'http-cache-semantics';
import { describe, expect, it } from 'vitest';
import { cacheStatusOf, createCache } from './index.js';

const URL_A = 'https://api.example.com/v1/rates';
const T0 = 1_700_000_000_000;
const DAY_MS = 86_400_000;

// One max-age at most: a duplicated one is sanitised to max-age=0 on purpose (hostile.test.ts).
const maxAge = fc.constantFrom(0, 1, 30, 3600, 200_000).map((n) => `max-age=${n}`);
const directive = fc.constantFrom(
  'public',
  'must-revalidate',
  'no-cache',
  'immutable',
  'stale-while-revalidate=10',
);
const cacheControl = fc
  .tuple(fc.option(maxAge, { nil: undefined }), fc.uniqueArray(directive, { maxLength: 3 }))
  .map(([age, rest]) => (age === undefined ? rest : [age, ...rest]).join(', '));
const responseHeaders = fc.record(
  {
    'cache-control': cacheControl,
    age: fc.integer({ min: 0, max: 100 }).map(String),
    'last-modified': fc
      .integer({ min: 1, max: 400 })
      .map((d) => new Date(T0 - d * DAY_MS).toUTCString()),
    etag: fc.constant('"v1"'),
    warning: fc.constantFrom('110 - "stale"', '299 - "misc"'),
  },
  { requiredKeys: [] },
);
const requestHeaders = fc.record(
  {
    'cache-control': fc.constantFrom('max-age=5', 'min-fresh=10', 'max-stale', 'no-cache'),
    pragma: fc.constant('no-cache'),
  },
  { requiredKeys: [] },
);

describe('hit plan (property)', () => {
  it('answers fresh exactly when http-cache-semantics does, with the same headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        responseHeaders,
        fc.array(
          fc.record({
            advanceMs: fc.integer({ min: 0, max: 3 * DAY_MS }),
            request: fc.oneof(fc.constant({}), requestHeaders),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (headers, steps) => {
          const clock = manualClock({ now: T0 });
          let kept = false;
          const cache = createCache({
            clock,
            maxAgeMs: 365 * DAY_MS,
            // Keeps entries in the store past their freshness (the stale-if-error window), so
            // that requests with max-stale find them as the library alone would.
            staleIfErrorMs: 365 * DAY_MS,
            onStore: () => {
              kept = true;
            },
          });
          const stored = {
            ...headers,
            'content-type': 'application/json',
            date: new Date(T0).toUTCString(),
          };
          const origin = async () => new Response('body', { headers: stored });
          await (await cache.handle(new Request(URL_A), origin)).text();
          class Reference extends CachePolicy {
            now() {
              return clock.now();
            }
          }
          const reference = new Reference(
            { url: `GET ${URL_A}`, method: 'GET', headers: {} },
            { status: 200, headers: stored },
            { shared: true, cacheHeuristic: 0.1 },
          );
          // Each step asks twice: the second answer comes from the plan when the first
          // remembered the entry's freshness.
          for (const step of steps) {
            await clock.advance(step.advanceMs);
            const wanted =
              reference.storable() &&
              reference.satisfiesWithoutRevalidation({
                url: `GET ${URL_A}`,
                method: 'GET',
                headers: step.request,
              });
            for (let twice = 0; twice < 2; twice++) {
              const answer = await cache.match(new Request(URL_A, { headers: step.request }));
              if (!kept) {
                // Not stored (no freshness, no validators): nothing to answer from.
                expect(answer).toBeUndefined();
                continue;
              }
              const fresh = answer !== undefined && cacheStatusOf(answer)?.reason === 'fresh';
              expect(fresh).toBe(wanted);
              if (!fresh || answer === undefined) continue;
              const want = reference.responseHeaders() as Record<string, string>;
              const got = Object.fromEntries(answer.headers);
              expect(got['brace-cache']).toBe('fresh');
              delete got['brace-cache'];
              expect(got).toEqual(want);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a heuristically fresh answer older than a day gets the library’s 113 warning', async () => {
    const clock = manualClock({ now: T0 });
    const cache = createCache({ clock, maxAgeMs: 365 * DAY_MS });
    const origin = async () =>
      new Response('x', {
        headers: { 'last-modified': new Date(T0 - 300 * DAY_MS).toUTCString() }, // 30 days fresh
      });
    await (await cache.handle(new Request(URL_A), origin)).text();
    expect((await cache.match(new Request(URL_A)))?.headers.get('warning')).toBeNull();
    await clock.advance(2 * DAY_MS);
    const old = await cache.match(new Request(URL_A));
    expect(old?.headers.get('brace-cache')).toBe('fresh');
    expect(old?.headers.get('warning')).toBe('113 - "rfc7234 5.5.4"');
    expect(old?.headers.get('age')).toBe(String(2 * 86_400));
  });

  it('replaces a reason header the origin sent, never appends to it', async () => {
    const cache = createCache();
    const origin = async () =>
      new Response('x', { headers: { 'cache-control': 'max-age=60', 'brace-cache': 'evil' } });
    await (await cache.handle(new Request(URL_A), origin)).text();
    for (let i = 0; i < 2; i++) {
      const hit = await cache.handle(new Request(URL_A), origin);
      expect(hit.headers.get('brace-cache')).toBe('fresh');
    }
    const off = createCache({ reasonHeader: false });
    await (await off.handle(new Request(URL_A), origin)).text();
    expect((await off.handle(new Request(URL_A), origin)).headers.get('brace-cache')).toBe('evil');
  });
});
