import { describe, expect, it } from 'vitest';
import { get, reply, scripted, setup, URL_A } from './test-utils/origin.js';

const kinds = (events: Array<[string, unknown]>) =>
  events.map(
    ([kind, e]) => `${kind}${kind === 'bypass' ? `:${(e as { reason: string }).reason}` : ''}`,
  );

describe('an answer that says nothing about caching', () => {
  it('is passed through, not stored, and the next call asks the origin again', async () => {
    const { cache, events } = setup();
    const { origin, calls } = scripted(reply('a'), reply('b'));
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('a');
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('b');
    expect(calls).toHaveLength(2);
    expect(kinds(events)).toEqual(['miss', 'bypass:not-storable', 'miss', 'bypass:not-storable']);
  });

  it('replaces a stored answer: the older entry is dropped, never served stale later', async () => {
    const { cache, clock, events } = setup({ staleIfErrorMs: 3_600_000 });
    const { origin, calls } = scripted(
      reply('old', { 'cache-control': 'max-age=1' }),
      reply('new'),
      reply('down', {}, 503),
    );
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('old');
    await clock.advance(2_000);
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('new');
    const failed = await cache.handle(get(URL_A), origin);
    expect(failed.status).toBe(503);
    expect(await failed.text()).toBe('down');
    expect(calls).toHaveLength(3);
    expect(events.filter(([k]) => k === 'serve')).toEqual([]);
  });

  it('is kept as last-known-good when that is on', async () => {
    const { cache, events } = setup({ lastKnownGood: { maxAgeMs: 60_000 } });
    const { origin } = scripted(reply('a'));
    expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('a');
    expect(events.some(([k, e]) => k === 'store' && (e as { kind: string }).kind === 'lkg')).toBe(
      true,
    );
  });

  for (const [name, headers] of [
    ['Last-Modified (heuristic freshness)', { 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }],
    ['an ETag (a validator)', { etag: '"v1"' }],
    ['Expires', { expires: 'Wed, 01 Jan 2099 00:00:00 GMT' }],
  ] as const) {
    it(`is stored when it carries ${name}`, async () => {
      const { cache, events } = setup();
      const { origin } = scripted(reply('a', headers));
      expect(await (await cache.handle(get(URL_A), origin)).text()).toBe('a');
      expect(events.some(([k]) => k === 'store')).toBe(true);
      expect(kinds(events)).not.toContain('bypass:not-storable');
    });
  }
});
