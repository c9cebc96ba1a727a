import axios, { type AxiosAdapter, AxiosError, getAdapter } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheAdapter } from './axios.js';
import { createCache } from './index.js';
import { json, loopback, refusedUrl } from './test-utils/server.js';

describe('cacheAdapter with real axios against a loopback server', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  beforeAll(async () => {
    server = await loopback(json({ a: 1 }, { 'cache-control': 'max-age=60' }));
  });
  afterAll(() => server.close());

  it('caches JSON, text and arraybuffer answers and marks hits', async () => {
    const cache = createCache();
    const api = axios.create({
      baseURL: server.url,
      adapter: cacheAdapter(cache, { adapter: 'http' }),
    });
    const before = server.seen.length;
    expect((await api.get('/x', { params: { q: 1, skip: undefined } })).data).toEqual({ a: 1 });
    const hit = await api.get('/x', { params: { q: 1 } });
    expect(hit.data).toEqual({ a: 1 });
    expect(hit.headers['brace-cache']).toBe('fresh');
    expect(hit.headers.age).toBe('0');
    const text = await api.get('/x?q=1', { responseType: 'text' });
    expect(text.data).toBe('{"a":1}');
    const bytes = await api.get(`${server.url}/x`, {
      params: new URLSearchParams({ q: '1' }),
      responseType: 'arraybuffer',
    });
    expect(Buffer.from(bytes.data).toString()).toBe('{"a":1}');
    expect(server.seen.length - before).toBe(1);
    const head = await api.head('/x');
    expect(head.status).toBe(200);
  });

  it('serves stale on connection refused, on a timeout and on a 503; otherwise rejects as axios does', async () => {
    let now = Date.now();
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
    });
    server.set(json({ a: 2 }, { 'cache-control': 'max-age=1' }));
    const api = axios.create({ adapter: cacheAdapter(cache) });
    await api.get(`${server.url}/y`);
    now += 5_000;
    server.set(json({ down: true }, {}, 503));
    const down = await api.get(`${server.url}/y`);
    expect(down.status).toBe(200);
    expect(down.data).toEqual({ a: 2 });
    expect(down.headers['brace-cache']).toBe('stale-if-error: 503');
    server.set(() => {});
    const slow = await api.get(`${server.url}/y`, { timeout: 50 });
    expect(slow.headers['brace-cache']).toBe('stale-if-error: timeout');
    // A 503 with nothing stored rejects with axios' own error.
    server.set(json({ down: true }, {}, 503));
    const error = await api.get(`${server.url}/never-stored`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(503);
    const refused = await refusedUrl();
    const viaRefused = axios.create({ adapter: cacheAdapter(cache, { adapter: 'http' }) });
    const failed = await viaRefused.get(`${refused}/z`).catch((e: unknown) => e);
    expect((failed as AxiosError).code).toBe('ECONNREFUSED');
  });

  it('a breaker wrapped around the real adapter is answered stale while open', async () => {
    let now = Date.now();
    let open = false;
    const cache = createCache({
      staleIfErrorMs: 600_000,
      clock: { now: () => now, sleep: async () => {} },
    });
    server.set(json({ b: 1 }, { 'cache-control': 'max-age=1' }));
    const real = getAdapter('http');
    const guarded: AxiosAdapter = (config) => {
      if (open) return Promise.reject(Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' }));
      return real(config);
    };
    const api = axios.create({ adapter: cacheAdapter(cache, { adapter: guarded }) });
    await api.get(`${server.url}/breaker`);
    now += 5_000;
    open = true;
    const before = server.seen.length;
    const answer = await api.get(`${server.url}/breaker`);
    expect(answer.data).toEqual({ b: 1 });
    expect(answer.headers['brace-cache']).toBe('stale: breaker-open');
    expect(server.seen.length).toBe(before);
  });

  it("partitions by axios' auth option and URL userinfo, which the real adapter turns into Basic", async () => {
    const events: unknown[] = [];
    const cache = createCache({ onMiss: (e) => events.push(e), onStore: (e) => events.push(e) });
    server.set((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify({ who: req.headers.authorization ?? 'anon' }));
    });
    const api = axios.create({
      baseURL: server.url,
      adapter: cacheAdapter(cache, { adapter: 'http' }),
    });
    const basic = (user: string, pass: string) =>
      `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const alice = await api.get('/auth', { auth: { username: 'alice', password: 'PLANTED-A' } });
    const bob = await api.get('/auth', { auth: { username: 'bob', password: 'PLANTED-B' } });
    expect(alice.data).toEqual({ who: basic('alice', 'PLANTED-A') });
    expect(bob.data).toEqual({ who: basic('bob', 'PLANTED-B') });
    expect(bob.headers['brace-cache']).toBeUndefined();
    const again = await api.get('/auth', { auth: { username: 'alice', password: 'PLANTED-A' } });
    expect(again.headers['brace-cache']).toBe('fresh');
    expect(again.data).toEqual(alice.data);
    const carolUrl = server.url.replace('http://', 'http://carol:PLANTED-C@');
    const carol = await api.get(`${carolUrl}/auth`);
    expect(carol.data).toEqual({ who: basic('carol', 'PLANTED-C') });
    expect((await api.get('/auth')).data).toEqual({ who: 'anon' });
    expect(JSON.stringify(events)).not.toContain('PLANTED');
  });

  it('keys on the URL axios sends: nested and array params, paramsSerializer', async () => {
    server.set((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify({ url: req.url }));
    });
    const api = axios.create({
      baseURL: server.url,
      adapter: cacheAdapter(createCache(), { adapter: 'http' }),
    });
    const pairs: Array<[object, object]> = [
      [{ params: { filter: { user: 'alice' } } }, { params: { filter: { user: 'bob' } } }],
      [{ params: { ids: [1, 2] } }, { params: { ids: '1,2' } }],
      [
        { params: { q: 'a' }, paramsSerializer: () => 'q=one' },
        { params: { q: 'a' }, paramsSerializer: () => 'q=two' },
      ],
    ];
    for (const [i, [first, second]] of pairs.entries()) {
      const a = await api.get(`/p${i}`, first);
      const b = await api.get(`/p${i}`, second);
      expect(b.data).not.toEqual(a.data);
      expect(b.headers['brace-cache']).toBeUndefined();
      const hit = await api.get(`/p${i}`, first);
      expect(hit.headers['brace-cache']).toBe('fresh');
      expect(hit.data).toEqual(a.data);
    }
  });

  it('keeps every Set-Cookie header of an answer, as an array, like axios', async () => {
    server.set((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('cache-control', 'no-store');
      res.end('{}');
    });
    const api = axios.create({ adapter: cacheAdapter(createCache(), { adapter: 'http' }) });
    const answer = await api.get(`${server.url}/cookies`);
    expect(answer.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it("refreshes in the background (stale-while-revalidate) past the caller's abort", async () => {
    let n = 0;
    server.set((_req, res) => {
      n++;
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': 'max-age=1, stale-while-revalidate=600',
      });
      res.end(`v${n}`);
    });
    let now = Date.now();
    let stored!: () => void;
    const refreshed = new Promise<void>((resolve) => {
      stored = resolve;
    });
    let stores = 0;
    const cache = createCache({
      clock: { now: () => now, sleep: async () => {} },
      onStore: () => {
        if (++stores === 2) stored();
      },
    });
    const api = axios.create({ adapter: cacheAdapter(cache, { adapter: 'http' }) });
    const call = async () => {
      const controller = new AbortController();
      try {
        const r = await api.get(`${server.url}/swr`, {
          signal: controller.signal,
          responseType: 'text',
        });
        return [r.headers['brace-cache'], r.data];
      } finally {
        controller.abort();
      }
    };
    expect(await call()).toEqual([undefined, 'v1']);
    now += 2_000;
    expect(await call()).toEqual(['stale-while-revalidate', 'v1']);
    await refreshed;
    expect(await call()).toEqual(['fresh', 'v2']);
  });

  it('passes streams through uncached', async () => {
    server.set(json({ s: 1 }, { 'cache-control': 'max-age=60' }));
    const api = axios.create({ adapter: cacheAdapter(createCache(), { adapter: 'http' }) });
    const before = server.seen.length;
    for (let i = 0; i < 2; i++) {
      const r = await api.get(`${server.url}/s`, { responseType: 'stream' });
      for await (const _ of r.data) {
        // drain
      }
    }
    expect(server.seen.length - before).toBe(2);
  });
});
