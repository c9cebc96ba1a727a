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
