import { manualClock } from '@brace/core';
import { describe, expect, it, vi } from 'vitest';
import { IdempotencyClaimLostError } from './errors.js';
import { memoryStore } from './memory-store.js';
import type { IdempotencyOptions } from './options.js';
import type { IdempotencyStore } from './store.js';
import { createIdempotency, type WebHandler } from './web.js';

const URL_ = 'http://api.test/orders?x=1';

function post(
  key: string | undefined,
  body: string | Uint8Array | null = '{"sku":"A1"}',
  url = URL_,
): Request {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (key !== undefined) headers.set('Idempotency-Key', key);
  return new Request(url, { method: 'POST', headers, body });
}

/** A handler that counts its runs and creates order ids. */
function orders(status = 201) {
  let runs = 0;
  const handler: WebHandler = async (request) => {
    runs += 1;
    const body = await request.text();
    return new Response(JSON.stringify({ id: `ord_${runs}`, got: body }), {
      status,
      headers: {
        'content-type': 'application/json',
        'set-cookie': 's=1',
        location: `/orders/${runs}`,
      },
    });
  };
  return { handler, runs: () => runs };
}

function setup(options: Partial<IdempotencyOptions<Request>> = {}) {
  const clock = manualClock({ now: 0 });
  const store = memoryStore({ maxEntries: 100, clock });
  const idem = createIdempotency({ store, ...options });
  return { clock, store, idem };
}

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { status: number; code: string; detail: string; title: string };
}

describe('createIdempotency: status-code rules', () => {
  it('runs the handler once and replays status, allow-listed headers and body', async () => {
    const { idem } = setup();
    const { handler, runs } = orders();
    const first = await idem.handle(post('"k1"'), handler);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.text();
    expect(JSON.parse(firstBody)).toEqual({ id: 'ord_1', got: '{"sku":"A1"}' });

    const again = await idem.handle(post('"k1"'), handler);
    expect(runs()).toBe(1);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe('application/json');
    expect(again.headers.get('location')).toBe('/orders/1');
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.text()).toBe(firstBody);
  });

  it('treats "k" and bare k as the same key', async () => {
    const { idem } = setup();
    const { handler, runs } = orders();
    await idem.handle(post('"abc-1"'), handler);
    const bare = await idem.handle(post('abc-1'), handler);
    expect(bare.headers.get('idempotent-replayed')).toBe('true');
    expect(runs()).toBe(1);
  });

  it('answers 422 when the key is reused with another body, path or query', async () => {
    const { idem } = setup();
    const { handler, runs } = orders();
    await idem.handle(post('"k1"'), handler);
    const otherBody = await idem.handle(post('"k1"', '{"sku":"B2"}'), handler);
    expect(otherBody.status).toBe(422);
    expect((await problemOf(otherBody)).code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherQuery = await idem.handle(
      post('"k1"', '{"sku":"A1"}', 'http://api.test/orders?x=2'),
      handler,
    );
    expect(otherQuery.status).toBe(422);
    expect(runs()).toBe(1);
  });

  it('answers 409 with Retry-After while the first request runs, then replays', async () => {
    const { idem } = setup({ lockTtlMs: 30_000, maxRetryAfterSeconds: 5 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let runs = 0;
    const slow: WebHandler = async () => {
      runs += 1;
      await gate;
      return new Response('done', { status: 200 });
    };
    const first = idem.handle(post('"k1"'), slow);
    await vi.waitFor(() => expect(runs).toBe(1));
    const second = await idem.handle(post('"k1"'), slow);
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('5');
    const body = await problemOf(second);
    expect(body).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE', title: 'Conflict' });
    release();
    expect(await (await first).text()).toBe('done');
    const third = await idem.handle(post('"k1"'), slow);
    expect(await third.text()).toBe('done');
    expect(runs).toBe(1);
  });

  it('sends Retry-After of at least 1 and at most maxRetryAfterSeconds (default 1)', async () => {
    const { idem, clock } = setup({ lockTtlMs: 1_500 });
    const never: WebHandler = () => new Promise<Response>(() => {});
    void idem.handle(post('"k1"'), never);
    await vi.waitFor(async () => {
      const r = await idem.handle(post('"k1"'), never);
      expect(r.status).toBe(409);
      expect(r.headers.get('retry-after')).toBe('1');
    });
    await clock.advance(1_499);
    expect((await idem.handle(post('"k1"'), never)).headers.get('retry-after')).toBe('1');
  });

  it('lets the next request take over a claim whose lock expired (crashed handler)', async () => {
    const { idem, clock } = setup({ lockTtlMs: 1_000 });
    const hung: WebHandler = () => new Promise<Response>(() => {});
    void idem.handle(post('"k1"'), hung);
    await vi.waitFor(async () => expect((await idem.handle(post('"k1"'), hung)).status).toBe(409));
    await clock.advance(1_000);
    const { handler, runs } = orders();
    expect((await idem.handle(post('"k1"'), handler)).status).toBe(201);
    expect(runs()).toBe(1);
  });

  it('answers 400 naming the rule for bad keys, and stores nothing', async () => {
    const { idem, store } = setup();
    const { handler, runs } = orders();
    const cases: Array<[string, string, RegExp]> = [
      ['', 'IDEMPOTENCY_KEY_EMPTY', /empty/],
      ['""', 'IDEMPOTENCY_KEY_EMPTY', /empty/],
      ['a'.repeat(256), 'IDEMPOTENCY_KEY_TOO_LONG', /over 255/],
      [`"${'a'.repeat(256)}"`, 'IDEMPOTENCY_KEY_TOO_LONG', /over 255/],
      ['a b', 'IDEMPOTENCY_KEY_INVALID', /structured-field string/],
      ['"unterminated', 'IDEMPOTENCY_KEY_INVALID', /token/],
      ['"a", "b"', 'IDEMPOTENCY_KEY_INVALID', /token/],
    ];
    for (const [value, code, detail] of cases) {
      const response = await idem.handle(post(value), handler);
      expect(response.status, value).toBe(400);
      const body = await problemOf(response);
      expect(body.code).toBe(code);
      expect(body.detail).toMatch(detail);
    }
    expect(runs()).toBe(0);
    expect(store.size).toBe(0);
  });

  it('accepts 255-character keys', async () => {
    const { idem } = setup();
    const { handler } = orders();
    expect((await idem.handle(post('a'.repeat(255)), handler)).status).toBe(201);
    expect((await idem.handle(post(`"${'b'.repeat(255)}"`), handler)).status).toBe(201);
  });

  it('runs requests without a key unless required, then answers 400', async () => {
    const { handler, runs } = orders();
    const loose = setup().idem;
    expect((await loose.handle(post(undefined), handler)).status).toBe(201);
    expect((await loose.handle(post(undefined), handler)).status).toBe(201);
    expect(runs()).toBe(2);
    const strict = setup({ required: true }).idem;
    const missing = await strict.handle(post(undefined), handler);
    expect(missing.status).toBe(400);
    expect((await problemOf(missing)).code).toBe('IDEMPOTENCY_KEY_MISSING');
    expect(runs()).toBe(2);
  });

  it('passes other methods straight through, even without a key when required', async () => {
    const { idem } = setup({ required: true });
    const { handler, runs } = orders(200);
    const get = new Request(URL_, { headers: { 'idempotency-key': '"k1"' } });
    await idem.handle(get, handler);
    await idem.handle(new Request(URL_, { method: 'PUT', body: 'x' }), handler);
    expect(runs()).toBe(2);
  });

  it('covers custom methods, any case', async () => {
    const { idem } = setup({ methods: ['put'] });
    const { handler, runs } = orders(200);
    const put = () =>
      new Request(URL_, { method: 'PUT', body: 'x', headers: { 'idempotency-key': 'k' } });
    await idem.handle(put(), handler);
    expect((await idem.handle(put(), handler)).headers.get('idempotent-replayed')).toBe('true');
    expect(runs()).toBe(1);
  });

  it('stores 2xx and 4xx (not 408, 409, 425, 429); releases 5xx, 3xx and the others', async () => {
    for (const [status, stored] of [
      [200, true],
      [204, true],
      [404, true],
      [422, true],
      [302, false],
      [408, false],
      [409, false],
      [425, false],
      [429, false],
      [500, false],
      [503, false],
    ] as const) {
      const { idem } = setup();
      let runs = 0;
      const handler: WebHandler = () => {
        runs += 1;
        return new Response(status === 204 ? null : 'r', { status });
      };
      await idem.handle(post('"k"'), handler);
      const second = await idem.handle(post('"k"'), handler);
      expect(second.status, String(status)).toBe(status);
      expect(runs, String(status)).toBe(stored ? 1 : 2);
      expect(second.headers.get('idempotent-replayed') === 'true', String(status)).toBe(stored);
    }
  });

  it('honours a custom cacheStatus; a throwing one stores nothing and reports it', async () => {
    const onError = vi.fn();
    const { idem } = setup({
      cacheStatus: (s) => {
        if (s === 418) throw new Error('boom');
        return s === 500;
      },
      onError,
    });
    let runs = 0;
    const handler =
      (status: number): WebHandler =>
      () => {
        runs += 1;
        return new Response('x', { status });
      };
    await idem.handle(post('"a"'), handler(500));
    expect((await idem.handle(post('"a"'), handler(500))).headers.get('idempotent-replayed')).toBe(
      'true',
    );
    await idem.handle(post('"b"'), handler(418));
    await idem.handle(post('"b"'), handler(418));
    expect(runs).toBe(3);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ phase: 'complete' }));
  });

  it('releases the key when the handler throws, so a retry runs again', async () => {
    const { idem } = setup();
    let runs = 0;
    const flaky: WebHandler = () => {
      runs += 1;
      if (runs === 1) throw new Error('db down');
      return new Response('ok', { status: 201 });
    };
    await expect(idem.handle(post('"k"'), flaky)).rejects.toThrow('db down');
    expect((await idem.handle(post('"k"'), flaky)).status).toBe(201);
    expect(runs).toBe(2);
  });

  it('handles a keyed POST without a body, forwarding the original request', async () => {
    const { idem } = setup();
    let seen: Request | undefined;
    const handler: WebHandler = (request) => {
      seen = request;
      return new Response('ok');
    };
    const request = post('"nb"', null);
    await idem.handle(request, handler);
    expect(seen).toBe(request);
  });

  it('replays an empty body and a null-body status', async () => {
    const { idem } = setup();
    const empty: WebHandler = () => new Response('', { status: 200 });
    await idem.handle(post('"e"'), empty);
    const replay = await idem.handle(post('"e"'), empty);
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe('');
    const noContent: WebHandler = () => new Response(null, { status: 204 });
    expect((await idem.handle(post('"n"'), noContent)).status).toBe(204);
    const again = await idem.handle(post('"n"'), noContent);
    expect(again.status).toBe(204);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('replays binary bodies byte for byte, and forwards binary request bodies exactly', async () => {
    const { idem } = setup();
    const bytes = new Uint8Array(256).map((_, i) => i);
    const echo: WebHandler = async (request) =>
      new Response(new Uint8Array(await request.arrayBuffer()), { status: 200 });
    const first = new Uint8Array(await (await idem.handle(post('"b"', bytes), echo)).arrayBuffer());
    expect(first).toEqual(bytes);
    const replay = new Uint8Array(
      await (await idem.handle(post('"b"', bytes), echo)).arrayBuffer(),
    );
    expect(replay).toEqual(bytes);
  });

  it('reads a request body streamed in several chunks, and an empty streamed body', async () => {
    const { idem } = setup();
    const streamed = (chunks: string[]) =>
      new Request(URL_, {
        method: 'POST',
        headers: { 'idempotency-key': `"s${chunks.length}"` },
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const echo: WebHandler = async (request) => new Response(`got:${await request.text()}`);
    expect(await (await idem.handle(streamed(['ab', 'cd', 'ef']), echo)).text()).toBe('got:abcdef');
    expect(await (await idem.handle(streamed([]), echo)).text()).toBe('got:');
  });

  it('rejects a request body stream that yields something other than bytes, as arrayBuffer() would', async () => {
    const { idem, handler, runs } = { ...setup(), ...orders() };
    let cancelled = false;
    const request = new Request(URL_, {
      method: 'POST',
      headers: { 'idempotency-key': '"x"' },
      body: new ReadableStream<string>({
        pull(controller) {
          controller.enqueue('not bytes');
        },
        cancel() {
          cancelled = true;
        },
      }) as unknown as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    await expect(idem.handle(request, handler)).rejects.toThrow(TypeError);
    expect(cancelled).toBe(true);
    expect(runs()).toBe(0);

    // Bytes first, then something else: the same.
    let later = false;
    const chunks: unknown[] = [new TextEncoder().encode('ok'), 'not bytes'];
    const mixed = new Request(URL_, {
      method: 'POST',
      headers: { 'idempotency-key': '"y"' },
      body: new ReadableStream<unknown>({
        pull(controller) {
          controller.enqueue(chunks.shift() ?? 'more');
        },
        cancel() {
          later = true;
        },
      }) as unknown as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    await expect(idem.handle(mixed, handler)).rejects.toThrow(TypeError);
    expect(later).toBe(true);
    expect(runs()).toBe(0);
  });
});

describe('createIdempotency: scopes, fingerprints and store failures', () => {
  it('scopes records by tenant, method and path', async () => {
    const { idem } = setup({ scope: (r) => r.raw.headers.get('x-tenant') ?? '' });
    const { handler, runs } = orders();
    const as = (tenant: string, url = URL_) => {
      const r = post('"same-key"', '{"sku":"A1"}', url);
      r.headers.set('x-tenant', tenant);
      return r;
    };
    const a = (await (await idem.handle(as('a'), handler)).json()) as { id: string };
    const b = (await (await idem.handle(as('b'), handler)).json()) as { id: string };
    expect(a.id).not.toBe(b.id);
    await idem.handle(as('a', 'http://api.test/refunds?x=1'), handler);
    expect(runs()).toBe(3);
  });

  it('uses a custom fingerprint', async () => {
    const { idem } = setup({ fingerprint: () => 'always-the-same' });
    const { handler, runs } = orders();
    await idem.handle(post('"k"', 'one'), handler);
    const second = await idem.handle(post('"k"', 'two'), handler);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(runs()).toBe(1);
  });

  it('awaits an async fingerprint and an async scope, and keeps them apart from sync ones', async () => {
    const { idem } = setup({
      fingerprint: async (r) => `fp:${r.body.byteLength}`,
      scope: async (r) => r.raw.headers.get('x-tenant') ?? '',
    });
    const { handler, runs } = orders();
    const as = (tenant: string, body: string) => {
      const r = post('"k"', body);
      r.headers.set('x-tenant', tenant);
      return r;
    };
    await idem.handle(as('a', 'one'), handler);
    const replay = await idem.handle(as('a', 'two'), handler); // same length: same fingerprint
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const reused = await idem.handle(as('a', 'three'), handler);
    expect(reused.status).toBe(422);
    expect((await idem.handle(as('b', 'three'), handler)).status).toBe(201);
    expect(runs()).toBe(2);
  });

  it('takes a synchronous fingerprint with an async scope, and a scope that rejects answers 503', async () => {
    const errors: unknown[] = [];
    const { idem } = setup({
      fingerprint: (r) => `fp:${r.body.byteLength}`,
      scope: async (r) => {
        const tenant = r.raw.headers.get('x-tenant');
        if (tenant === 'down') throw new Error('tenant lookup failed');
        return tenant ?? '';
      },
      onError: (event) => errors.push(event.phase),
    });
    const { handler, runs } = orders();
    const as = (tenant: string, body: string) => {
      const r = post('"k"', body);
      r.headers.set('x-tenant', tenant);
      return r;
    };
    await idem.handle(as('a', 'one'), handler);
    expect((await idem.handle(as('a', 'two'), handler)).headers.get('idempotent-replayed')).toBe(
      'true',
    );
    expect((await idem.handle(as('b', 'two'), handler)).status).toBe(201);
    expect((await idem.handle(as('down', 'two'), handler)).status).toBe(503);
    expect(errors).toEqual(['begin']);
    expect(runs()).toBe(2);
  });

  it('keeps the records of one key apart by route, scope and method (the scope string is reused only when all three match)', async () => {
    let tenant = 'a';
    const { idem } = setup({ scope: () => tenant, methods: ['POST', 'PATCH'] });
    const { handler, runs } = orders();
    const at = (url: string, method = 'POST') =>
      new Request(url, { method, body: 'x', headers: { 'idempotency-key': '"k"' } });
    await idem.handle(at('http://api.test/orders'), handler);
    await idem.handle(at('http://api.test/orders'), handler); // replay
    await idem.handle(at('http://api.test/refunds'), handler);
    await idem.handle(at('http://api.test/orders', 'PATCH'), handler);
    tenant = 'b';
    await idem.handle(at('http://api.test/orders'), handler);
    tenant = 'a';
    const replay = await idem.handle(at('http://api.test/orders'), handler);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(runs()).toBe(4);
  });

  it('rejects (never throws) when a passed-through handler throws synchronously', async () => {
    const { idem } = setup();
    const boom = new Error('sync throw');
    const throwing: WebHandler = () => {
      throw boom;
    };
    const pending = idem.handle(post(undefined), throwing);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBe(boom);
    // A keyed request whose handler throws synchronously releases the key, as an async throw does.
    await expect(idem.handle(post('"k"'), throwing)).rejects.toBe(boom);
    const { handler, runs } = orders();
    expect((await idem.handle(post('"k"'), handler)).status).toBe(201);
    expect(runs()).toBe(1);
  });

  it('answers 503 problem+json when the store fails on begin, and reports it', async () => {
    const failing: IdempotencyStore = {
      begin: () => Promise.reject(new Error('redis down')),
      complete: () => Promise.resolve(true),
      release: () => Promise.resolve(true),
    };
    const onError = vi.fn(() => {
      throw new Error('a throwing callback is ignored');
    });
    const idem = createIdempotency({ store: failing, onError });
    const { handler, runs } = orders();
    const response = await idem.handle(post('"k"'), handler);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await problemOf(response)).code).toBe('IDEMPOTENCY_STORE_UNAVAILABLE');
    expect(runs()).toBe(0);
    expect(onError).toHaveBeenCalledWith({ phase: 'begin', error: expect.any(Error) });
  });

  it('answers 503 without an onError callback too', async () => {
    const failing: IdempotencyStore = {
      begin: () => Promise.reject(new Error('down')),
      complete: () => Promise.resolve(true),
      release: () => Promise.resolve(true),
    };
    const idem = createIdempotency({ store: failing });
    expect((await idem.handle(post('"k"'), orders().handler)).status).toBe(503);
  });

  it('still answers when complete or release fail, and reports each', async () => {
    const memory = memoryStore({ maxEntries: 10 });
    const events: Array<{ phase: string; error: unknown }> = [];
    const store: IdempotencyStore = {
      begin: (k, f, o) => memory.begin(k, f, o),
      complete: () => Promise.reject(new Error('write failed')),
      release: () => Promise.reject(new Error('release failed')),
    };
    const idem = createIdempotency({ store, onError: (e) => events.push(e) });
    expect((await idem.handle(post('"a"'), orders().handler)).status).toBe(201);
    expect((await idem.handle(post('"b"'), orders(500).handler)).status).toBe(500);
    expect(events.map((e) => e.phase)).toEqual(['complete', 'release']);
  });

  it('reports a lost claim when complete resolves false', async () => {
    const memory = memoryStore({ maxEntries: 10 });
    const onError = vi.fn();
    const store: IdempotencyStore = {
      begin: (k, f, o) => memory.begin(k, f, o),
      complete: () => Promise.resolve(false),
      release: (k, t) => memory.release(k, t),
    };
    const idem = createIdempotency({ store, onError });
    await idem.handle(post('"a"'), orders().handler);
    const error = onError.mock.calls[0]?.[0].error;
    expect(error).toBeInstanceOf(IdempotencyClaimLostError);
    expect(error.code).toBe('IDEMPOTENCY_CLAIM_LOST');
  });
});
