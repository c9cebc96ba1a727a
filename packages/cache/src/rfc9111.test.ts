import { describe, expect, it } from 'vitest';
import { cacheStatusOf } from './index.js';
import { get, reply, scripted, setup, URL_A } from './test-utils/origin.js';

const text = async (r: Response) => r.text();

describe('Vary', () => {
  it('keeps representations apart by the varied request headers', async () => {
    const { cache } = setup();
    const { origin, calls } = scripted(
      reply('de', { 'cache-control': 'max-age=60', vary: 'Accept-Language' }),
      reply('en', { 'cache-control': 'max-age=60', vary: 'Accept-Language' }),
    );
    expect(await text(await cache.handle(get(URL_A, { 'accept-language': 'de' }), origin))).toBe(
      'de',
    );
    const en = await cache.handle(get(URL_A, { 'accept-language': 'en' }), origin);
    expect(await en.text()).toBe('en');
    expect(cacheStatusOf(en)).toBeUndefined();
    const enAgain = await cache.handle(get(URL_A, { 'accept-language': 'en' }), origin);
    expect(await enAgain.text()).toBe('en');
    expect(enAgain.headers.get('brace-cache')).toBe('fresh');
    expect(calls).toHaveLength(2);
  });

  it('never stores a Vary: * response', async () => {
    const { cache, events } = setup({ staleIfErrorMs: 60_000, lastKnownGood: 60_000 });
    const { origin, calls } = scripted(
      reply('x', { 'cache-control': 'max-age=60', vary: '*' }),
      new TypeError('fetch failed'),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await expect(cache.handle(get(URL_A), origin)).rejects.toThrow('fetch failed');
    expect(calls).toHaveLength(2);
    expect(events).toContainEqual(['bypass', { method: 'GET', url: URL_A, reason: 'vary-star' }]);
  });
});

describe('revalidation', () => {
  it('sends If-None-Match and a 304 refreshes the entry', async () => {
    const { cache, clock } = setup();
    const { origin, calls } = scripted(
      reply('body-1', { 'cache-control': 'max-age=10', etag: '"v1"' }),
      reply('', { 'cache-control': 'max-age=10', etag: '"v1"' }, 304),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(11_000);
    const revalidated = await cache.handle(get(URL_A), origin);
    expect(revalidated.status).toBe(200);
    expect(await revalidated.text()).toBe('body-1');
    expect(revalidated.headers.get('brace-cache')).toBe('revalidated');
    expect(calls[1]).toEqual({ 'if-none-match': '"v1"' });
    await clock.advance(5_000);
    const fresh = await cache.handle(get(URL_A), origin);
    expect(fresh.headers.get('brace-cache')).toBe('fresh');
    expect(fresh.headers.get('age')).toBe('5');
    expect(calls).toHaveLength(2);
  });

  it('sends If-Modified-Since for Last-Modified and stores a changed body', async () => {
    const { cache, clock } = setup();
    const lm = 'Tue, 01 Dec 2026 10:00:00 GMT';
    const { origin, calls } = scripted(
      reply('old', { 'cache-control': 'max-age=1', 'last-modified': lm }),
      reply('new', { 'cache-control': 'max-age=60' }),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(2_000);
    expect(await text(await cache.handle(get(URL_A), origin))).toBe('new');
    expect(calls[1]).toEqual({ 'if-modified-since': lm });
    expect(await text(await cache.handle(get(URL_A), origin))).toBe('new');
    expect(calls).toHaveLength(2);
  });

  it('revalidates no-cache responses every time', async () => {
    const { cache } = setup();
    const { origin, calls } = scripted(
      reply('a', { 'cache-control': 'no-cache', etag: '"a"' }),
      reply('', { etag: '"a"' }, 304),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    const second = await cache.handle(get(URL_A), origin);
    expect(await second.text()).toBe('a');
    expect(second.headers.get('brace-cache')).toBe('revalidated');
    await (await cache.handle(get(URL_A), origin)).text();
    expect(calls).toEqual([undefined, { 'if-none-match': '"a"' }, { 'if-none-match': '"a"' }]);
  });

  it('asks afresh, without validators, after a 304 that matches nothing stored', async () => {
    const { cache, clock } = setup();
    const { origin, calls } = scripted(
      reply('a', { 'cache-control': 'max-age=1', etag: '"a"' }),
      reply('', { etag: '"b"' }, 304),
      reply('b', { 'cache-control': 'max-age=60', etag: '"b"' }),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(2_000);
    const answer = await cache.handle(get(URL_A), origin);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('b');
    expect(calls).toEqual([undefined, { 'if-none-match': '"a"' }, undefined]);
  });
});

describe('what is not stored', () => {
  it('no-store: never stored, never served stale, not even last-known-good', async () => {
    const { cache, events } = setup({ staleIfErrorMs: 600_000, lastKnownGood: 600_000 });
    const { origin, calls } = scripted(
      reply('secret', { 'cache-control': 'no-store, max-age=60' }),
      reply('down', {}, 503),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    const down = await cache.handle(get(URL_A), origin);
    expect(down.status).toBe(503);
    expect(cacheStatusOf(down)).toBeUndefined();
    expect(calls).toHaveLength(2);
    expect(events.filter(([k]) => k === 'store')).toEqual([]);
  });

  it('a request with Cache-Control: no-store is not stored', async () => {
    const { cache } = setup({ lastKnownGood: 600_000 });
    const { origin, calls } = scripted(reply('a', { 'cache-control': 'max-age=60' }));
    await (await cache.handle(get(URL_A, { 'cache-control': 'no-store' }), origin)).text();
    await (await cache.handle(get(URL_A), origin)).text();
    expect(calls).toHaveLength(2);
  });

  it('private: not stored without credentials', async () => {
    const { cache } = setup();
    const { origin, calls } = scripted(reply('mine', { 'cache-control': 'private, max-age=60' }));
    await (await cache.handle(get(URL_A), origin)).text();
    await (await cache.handle(get(URL_A), origin)).text();
    expect(calls).toHaveLength(2);
  });

  it('passes conditional and Range requests straight through', async () => {
    const { cache, events } = setup();
    const { origin, calls } = scripted(reply('a', { 'cache-control': 'max-age=60' }));
    await (await cache.handle(get(URL_A, { range: 'bytes=0-1' }), origin)).text();
    await (await cache.handle(get(URL_A, { 'if-none-match': '"x"' }), origin)).text();
    await (await cache.handle(get(URL_A), origin)).text();
    await (await cache.handle(get(URL_A), origin)).text();
    expect(calls).toHaveLength(3);
    expect(
      events.filter(
        ([k, e]) => k === 'bypass' && (e as { reason: string }).reason === 'conditional',
      ),
    ).toHaveLength(2);
  });

  it('caches HEAD apart from GET, without a body', async () => {
    const { cache } = setup();
    const { origin, calls } = scripted(
      reply('', { 'cache-control': 'max-age=60', 'x-total': '7' }),
    );
    const head = (url: string) => new Request(url, { method: 'HEAD' });
    await cache.handle(head(URL_A), origin);
    const again = await cache.handle(head(URL_A), origin);
    expect(again.body).toBeNull();
    expect(again.headers.get('x-total')).toBe('7');
    expect(again.headers.get('brace-cache')).toBe('fresh');
    expect(calls).toHaveLength(1);
  });

  it('a successful POST invalidates the stored GET; a failed one does not', async () => {
    const { cache } = setup();
    const { origin, calls } = scripted(
      reply('list-1', { 'cache-control': 'max-age=60' }),
      reply('err', {}, 400),
      reply('created', {}, 201),
      reply('list-2', { 'cache-control': 'max-age=60' }),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    const post = () => new Request(URL_A, { method: 'POST', body: '{}' });
    expect((await cache.handle(post(), origin)).status).toBe(400);
    expect(await text(await cache.handle(get(URL_A), origin))).toBe('list-1');
    expect((await cache.handle(post(), origin)).status).toBe(201);
    expect(await text(await cache.handle(get(URL_A), origin))).toBe('list-2');
    expect(calls).toHaveLength(4);
  });

  it('keeps bodies byte for byte, every byte value', async () => {
    const { cache } = setup();
    const bytes = new Uint8Array(512);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
    const { origin } = scripted(
      () => new Response(bytes, { headers: { 'cache-control': 'max-age=60' } }),
    );
    await (await cache.handle(get(URL_A), origin)).arrayBuffer();
    const hit = new Uint8Array(await (await cache.handle(get(URL_A), origin)).arrayBuffer());
    hit[0] = 99;
    const again = new Uint8Array(await (await cache.handle(get(URL_A), origin)).arrayBuffer());
    expect([...again]).toEqual([...bytes]);
  });
});

describe('maximum age', () => {
  it('never keeps an entry past maxAgeMs, whatever max-age says', async () => {
    const { cache, clock, events } = setup({ maxAgeMs: 60_000, staleIfErrorMs: 600_000 });
    const { origin, calls } = scripted(
      reply('a', { 'cache-control': 'max-age=999999999999' }),
      reply('down', {}, 503),
    );
    await (await cache.handle(get(URL_A), origin)).text();
    await clock.advance(59_000);
    expect((await cache.handle(get(URL_A), origin)).headers.get('brace-cache')).toBe('fresh');
    await clock.advance(2_000);
    expect((await cache.handle(get(URL_A), origin)).status).toBe(503);
    expect(calls).toHaveLength(2);
    expect(events).toContainEqual([
      'store',
      { method: 'GET', url: URL_A, kind: 'http', ttlMs: 60_000, bytes: 1 },
    ]);
  });
});
