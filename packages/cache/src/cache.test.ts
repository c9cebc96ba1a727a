import { describe, expect, it } from 'vitest';
import { cacheStatusOf } from './index.js';
import { get, reply, scripted, setup, URL_A } from './test-utils/origin.js';

describe('RFC 9111 freshness', () => {
  it('serves a fresh response from the cache with Age and the reason', async () => {
    const { cache, clock, events } = setup();
    const { origin, calls } = scripted(reply('one', { 'cache-control': 'max-age=60' }));
    const first = await cache.handle(get(URL_A), origin);
    expect(await first.text()).toBe('one');
    expect(first.headers.get('brace-cache')).toBeNull();
    expect(cacheStatusOf(first)).toBeUndefined();
    await clock.advance(10_000);
    const second = await cache.handle(get(URL_A), origin);
    expect(await second.text()).toBe('one');
    expect(second.headers.get('brace-cache')).toBe('fresh');
    expect(second.headers.get('age')).toBe('10');
    expect(cacheStatusOf(second)).toEqual({ reason: 'fresh', ageMs: 10_000 });
    expect(calls).toHaveLength(1);
    expect(events.filter(([k]) => k === 'serve')).toEqual([
      ['serve', { reason: 'fresh', method: 'GET', url: URL_A, status: 200, ageMs: 10_000 }],
    ]);
  });

  it('goes back to the origin once the response is stale', async () => {
    const { cache, clock } = setup();
    const { origin, calls } = scripted(
      reply('one', { 'cache-control': 'max-age=60' }),
      reply('two', { 'cache-control': 'max-age=60' }),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(61_000);
    const again = await cache.handle(get(URL_A), origin);
    expect(await again.text()).toBe('two');
    expect(calls).toEqual([undefined, undefined]);
  });
});
