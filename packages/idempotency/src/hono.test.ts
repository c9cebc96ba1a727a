import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { idempotency } from './hono.js';
import { memoryStore } from './memory-store.js';
import type { IdempotencyOptions } from './options.js';

function app(options: Partial<IdempotencyOptions<Context>> = {}) {
  const ledger: unknown[] = [];
  const hono = new Hono<{ Variables: { tenant: string } }>();
  hono.use('*', async (c, next) => {
    c.set('tenant', c.req.header('x-tenant') ?? 'none');
    await next();
  });
  hono.use('*', idempotency({ store: memoryStore(), ...options }));
  hono.post('/orders', async (c) => {
    const body = await c.req.json();
    ledger.push(body);
    c.header('x-private', 'not replayed');
    return c.json({ n: ledger.length, body }, 201);
  });
  hono.post('/fail', () => {
    ledger.push('fail');
    throw new Error('handler failed');
  });
  hono.post('/stream', (c) => {
    ledger.push('stream');
    return c.body('x'.repeat(100));
  });
  hono.get('/orders', (c) => c.json(ledger));
  hono.onError((_error, c) => c.text('failed', 500));
  return { hono, ledger };
}

const send = (
  hono: Hono<never>,
  path: string,
  key?: string,
  body = '{"sku":"A1"}',
  tenant?: string,
) =>
  hono.request(path, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
      ...(tenant === undefined ? {} : { 'x-tenant': tenant }),
    },
  });

describe('hono idempotency middleware', () => {
  it('runs once, lets the handler read c.req.json(), and replays with Idempotent-Replayed', async () => {
    const { hono, ledger } = app();
    const first = await send(hono as never, '/orders', '"k1"');
    expect(first.status).toBe(201);
    expect(first.headers.get('x-private')).toBe('not replayed');
    const firstBody = await first.json();
    expect(firstBody).toEqual({ n: 1, body: { sku: 'A1' } });
    const second = await send(hono as never, '/orders', '"k1"');
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('x-private')).toBeNull();
    expect(await second.json()).toEqual(firstBody);
    expect(ledger).toHaveLength(1);
  });

  it('answers 422, 400 and (required) missing-key problems', async () => {
    const { hono, ledger } = app({ required: true });
    await send(hono as never, '/orders', '"k1"');
    const reused = await send(hono as never, '/orders', '"k1"', '{"sku":"B2"}');
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect((await send(hono as never, '/orders', 'bad key')).status).toBe(400);
    const missing = await send(hono as never, '/orders');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_MISSING' });
    expect(ledger).toHaveLength(1);
  });

  it('handles a keyed POST without a body', async () => {
    const hono = new Hono();
    let runs = 0;
    hono.use('*', idempotency({ store: memoryStore() }));
    hono.post('/ping', (c) => c.text(`pong ${++runs}`));
    const ping = () =>
      hono.request('/ping', { method: 'POST', headers: { 'idempotency-key': 'k' } });
    expect(await (await ping()).text()).toBe('pong 1');
    expect(await (await ping()).text()).toBe('pong 1');
  });

  it('passes GET and key-less requests through', async () => {
    const { hono, ledger } = app();
    await send(hono as never, '/orders');
    await send(hono as never, '/orders');
    expect(ledger).toHaveLength(2);
    expect(await (await hono.request('/orders')).json()).toHaveLength(2);
  });

  it('releases the key when the handler throws', async () => {
    const { hono, ledger } = app();
    expect((await send(hono as never, '/fail', '"k"')).status).toBe(500);
    expect((await send(hono as never, '/fail', '"k"')).status).toBe(500);
    expect(ledger).toEqual(['fail', 'fail']);
  });

  it('rethrows (and releases) when the error escapes Hono', async () => {
    const store = memoryStore();
    const mw = idempotency({ store });
    const c = {
      req: {
        raw: new Request('http://x.test/a', {
          method: 'POST',
          body: 'b',
          headers: { 'idempotency-key': 'k' },
        }),
        arrayBuffer: () => Promise.resolve(new TextEncoder().encode('b').buffer),
      },
    };
    await expect(mw(c as never, () => Promise.reject(new Error('escapes')))).rejects.toThrow(
      'escapes',
    );
    expect(store.size).toBe(0);
  });

  it('scopes by a Context variable: two tenants never share a record', async () => {
    const { hono, ledger } = app({
      scope: (r) => r.raw.get('tenant') as string,
    });
    const a = (await (await send(hono as never, '/orders', '"k"', '{"sku":"A1"}', 'a')).json()) as {
      n: number;
    };
    const b = (await (await send(hono as never, '/orders', '"k"', '{"sku":"A1"}', 'b')).json()) as {
      n: number;
    };
    expect(a.n).toBe(1);
    expect(b.n).toBe(2);
    expect(ledger).toHaveLength(2);
  });

  it('hands JSON and text bodies to c.req.text()/json() decoded once, others through arrayBuffer', async () => {
    const hono = new Hono();
    const seen: unknown[] = [];
    hono.use('*', idempotency({ store: memoryStore() }));
    hono.post('/text', async (c) => {
      seen.push(typeof c.req.bodyCache.text, await c.req.text(), await c.req.json());
      return c.text('ok', 201);
    });
    hono.post('/bytes', async (c) => {
      seen.push(typeof c.req.bodyCache.text, new Uint8Array(await c.req.arrayBuffer()));
      seen.push(await c.req.text());
      return c.text('ok', 201);
    });
    const post = (path: string, type: string, body: string | Uint8Array, key: string) =>
      hono.request(path, {
        method: 'POST',
        body,
        headers: { 'content-type': type, 'idempotency-key': key },
      });
    const utf8 = '{"name":"Zoë ✓ 日本"}';
    expect((await post('/text', 'Application/JSON; charset=utf-8', utf8, 'a')).status).toBe(201);
    expect((await post('/text', 'text/plain', utf8, 'b')).status).toBe(201);
    expect(seen.splice(0)).toEqual([
      'object',
      utf8,
      { name: 'Zoë ✓ 日本' },
      'object',
      utf8,
      { name: 'Zoë ✓ 日本' },
    ]);
    const bytes = new Uint8Array([0, 255, 104, 105]);
    expect((await post('/bytes', 'application/octet-stream', bytes, 'c')).status).toBe(201);
    expect(seen[0]).toBe('undefined');
    expect(seen[1]).toEqual(bytes);
    expect(seen[2]).toBe(new TextDecoder().decode(bytes));
    // No content type at all: the same.
    const untyped = await hono.request('/bytes', {
      method: 'POST',
      body: bytes,
      headers: { 'idempotency-key': 'd' },
    });
    expect(untyped.status).toBe(201);
    expect(seen.slice(3)).toEqual(['undefined', bytes, new TextDecoder().decode(bytes)]);
    seen.length = 0;
    // Only the media type counts: "json" in a parameter does not make a body textual.
    const multipart = 'multipart/form-data; boundary=json-boundary; name="a.json"';
    expect((await post('/bytes', multipart, bytes, 'e')).status).toBe(201);
    expect(seen[0]).toBe('undefined');
    expect((await post('/text', 'application/problem+json', utf8, 'f')).status).toBe(201);
    expect(seen[3]).toBe('object');
  });

  it('does not store bodies over maxBodyBytes', async () => {
    const { hono, ledger } = app({ maxBodyBytes: 10 });
    expect(await (await send(hono as never, '/stream', '"k"')).text()).toHaveLength(100);
    expect(await (await send(hono as never, '/stream', '"k"')).text()).toHaveLength(100);
    expect(ledger).toEqual(['stream', 'stream']);
  });
  it('stores an empty answer, releases an unstorable, streamed-over or failed one, reports a failed store', async () => {
    const ledger: string[] = [];
    const events: unknown[] = [];
    const store = memoryStore();
    const hono = new Hono();
    hono.use(
      '*',
      idempotency({
        store: {
          ...store,
          complete: (where, token, record, opts) =>
            where.key === 'broken'
              ? Promise.reject(new Error('store down'))
              : store.complete(where, token, record, opts),
        },
        maxBodyBytes: 10,
        onError: (event) => events.push(event.phase),
      }),
    );
    const chunked = (fail: boolean) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('123456'));
          if (fail) controller.error(new Error('body failed'));
          else {
            controller.enqueue(new TextEncoder().encode('789012'));
            controller.enqueue(new TextEncoder().encode('345678'));
            controller.close();
          }
        },
      });
    hono.post('/empty', (c) => {
      ledger.push('empty');
      return c.body(null, 204);
    });
    hono.post('/unavailable', (c) => {
      ledger.push('unavailable');
      return c.text('later', 503);
    });
    hono.post('/chunks', (c) => {
      ledger.push('chunks');
      return c.body(chunked(false));
    });
    hono.post('/broken-body', (c) => {
      ledger.push('broken-body');
      return c.body(chunked(true));
    });
    hono.post('/small', (c) => {
      ledger.push('small');
      return c.text('ok', 201);
    });
    hono.onError((_error, c) => c.text('failed', 500));
    const post = (path: string, key: string) =>
      hono.request(path, { method: 'POST', body: '{}', headers: { 'idempotency-key': key } });
    for (let i = 0; i < 2; i++) {
      const empty = await post('/empty', '"e"');
      expect(empty.status).toBe(204);
      expect(empty.headers.get('idempotent-replayed')).toBe(i === 0 ? null : 'true');
      expect((await post('/unavailable', '"u"')).status).toBe(503);
      expect(await (await post('/chunks', '"c"')).text()).toBe('123456789012345678');
      expect((await post('/broken-body', '"b"')).status).toBe(500);
    }
    const small = await post('/small', 'broken');
    expect([small.status, await small.text()]).toEqual([201, 'ok']);
    expect(events).toEqual(['complete']);
    expect(ledger).toEqual([
      'empty',
      'unavailable',
      'chunks',
      'broken-body',
      'unavailable',
      'chunks',
      'broken-body',
      'small',
    ]);
  });
});
