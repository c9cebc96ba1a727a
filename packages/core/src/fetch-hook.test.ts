import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import ky from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type FetchLike,
  type FetchOptionCarrier,
  PER_CALL_FETCH,
  wrapFetchHook,
} from './fetch-hook.js';

const ok = () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });

/** A wrapper that records each attempt's status and URL. */
function recorder(seen: string[]) {
  return wrapFetchHook((next) => async (input, init) => {
    const response = await next(input, init);
    seen.push(`${response.status} ${input instanceof Request ? input.url : String(input)}`);
    return response;
  });
}

describe('wrapFetchHook', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('wraps the client’s fetch and sees every attempt, retries included', async () => {
    const seen: string[] = [];
    let calls = 0;
    const stub: FetchLike = async () => {
      calls++;
      return calls === 1 ? new Response('busy', { status: 503 }) : ok();
    };
    const api = ky.create({
      fetch: stub,
      retry: { limit: 2, delay: () => 0 },
      hooks: { init: [recorder(seen)] },
    });
    expect(await api.get('https://api.test/a').json()).toEqual({ ok: true });
    expect(seen).toEqual(['503 https://api.test/a', '200 https://api.test/a']);
  });

  it('leaves the body to ky: the caller reads the same response the wrapper saw', async () => {
    let seenResponse: Response | undefined;
    const hook = wrapFetchHook((next) => async (input, init) => {
      seenResponse = await next(input, init);
      return seenResponse;
    });
    const api = ky.create({ fetch: async () => ok(), hooks: { init: [hook] } });
    const response = await api.get('https://api.test/b');
    expect(response).toBe(seenResponse);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('builds one wrapper per inner fetch and reuses it on every request', () => {
    const wrap = vi.fn(
      (next: FetchLike): FetchLike =>
        (input, init) =>
          next(input, init),
    );
    const hook = wrapFetchHook(wrap);
    const inner: FetchLike = async () => ok();
    const other: FetchLike = async () => ok();
    const a: FetchOptionCarrier = { fetch: inner };
    const b: FetchOptionCarrier = { fetch: inner };
    const c: FetchOptionCarrier = { fetch: other };
    hook(a);
    hook(b);
    hook(c);
    expect(a.fetch).toBe(b.fetch);
    expect(a.fetch).not.toBe(inner);
    expect(c.fetch).not.toBe(a.fetch);
    expect(wrap).toHaveBeenCalledTimes(2);
  });

  it('wraps a per-call fetch afresh, without remembering it, and marks the wrapper', async () => {
    const wrap = vi.fn(
      (next: FetchLike): FetchLike =>
        (input, init) =>
          next(input, init),
    );
    const outer = wrapFetchHook(wrap);
    const perCall = (): FetchLike =>
      Object.defineProperty(async () => ok(), PER_CALL_FETCH, { value: true });
    const a: FetchOptionCarrier = { fetch: perCall() };
    const b: FetchOptionCarrier = { fetch: perCall() };
    outer(a);
    outer(b);
    expect(wrap).toHaveBeenCalledTimes(2);
    expect(a.fetch).not.toBe(b.fetch);
    expect((a.fetch as { [PER_CALL_FETCH]?: boolean })[PER_CALL_FETCH]).toBe(true);
    // The same per-call fetch seen twice is still wrapped twice: nothing is kept for it.
    const same = perCall();
    const c: FetchOptionCarrier = { fetch: same };
    const d: FetchOptionCarrier = { fetch: same };
    outer(c);
    outer(d);
    expect(wrap).toHaveBeenCalledTimes(4);
    expect(c.fetch).not.toBe(d.fetch);
    expect((await c.fetch?.('https://api.test/x'))?.status).toBe(200);
    expect(PER_CALL_FETCH).toBe(Symbol.for('@brace/core/per-call-fetch'));
  });

  it('without a fetch option, wraps the global fetch looked up at call time', async () => {
    const seen: string[] = [];
    const hook = recorder(seen);
    const first: FetchOptionCarrier = {};
    const second: FetchOptionCarrier = {};
    hook(first);
    hook(second);
    expect(first.fetch).toBe(second.fetch);
    vi.stubGlobal('fetch', async () => new Response(null, { status: 204 }));
    const response = await (first.fetch as FetchLike)('https://api.test/c');
    expect(response.status).toBe(204);
    expect(seen).toEqual(['204 https://api.test/c']);
  });

  it('works against a real server through ky with no fetch option', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"n":1}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    try {
      const seen: string[] = [];
      const api = ky.create({ hooks: { init: [recorder(seen)] } });
      expect(await api.get(url).json()).toEqual({ n: 1 });
      expect(await api.get(url).json()).toEqual({ n: 1 });
      expect(seen).toEqual([`200 ${url}`, `200 ${url}`]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('passes a network error through untouched', async () => {
    const failure = new TypeError('fetch failed');
    const seen: string[] = [];
    const api = ky.create({
      fetch: async () => {
        throw failure;
      },
      retry: 0,
      hooks: { init: [recorder(seen)] },
    });
    const error = await api.get('https://api.test/d').catch((e: unknown) => e);
    expect((error as Error & { cause?: unknown }).cause).toBe(failure);
    expect(seen).toEqual([]);
  });
});
