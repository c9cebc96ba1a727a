import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeHooks } from '@brace/core';
import ky from 'ky';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidIdempotencyKeyError } from './errors.js';
import { parseIdempotencyKey } from './key.js';
import { idempotencyHooks } from './ky.js';

/** A loopback server that records each attempt's key and fails the first `failures` of each call. */
let server: Server;
let base: string;
let seen: Array<string | undefined> = [];
let failuresLeft = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers['idempotency-key'] as string | undefined);
    req.resume();
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.statusCode = 503;
        res.end('try again');
        return;
      }
      res.statusCode = 201;
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.close();
  await once(server, 'close');
});
beforeEach(() => {
  seen = [];
  failuresLeft = 0;
});

const retry = { limit: 3, methods: ['get', 'post', 'patch'], delay: () => 5 };

describe('idempotencyHooks', () => {
  it('sends the same key on every retry of a call, and a new key on the next call', async () => {
    const api = ky.create({ prefix: base, retry, hooks: idempotencyHooks() });
    failuresLeft = 2;
    await api.post('orders', { json: { sku: 'A1' } });
    expect(seen).toHaveLength(3);
    const [first] = seen;
    expect(first).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(seen.every((k) => k === first)).toBe(true);
    failuresLeft = 1;
    await api.post('orders', { json: { sku: 'A1' } });
    expect(seen).toHaveLength(5);
    expect(seen[3]).toBe(seen[4]);
    expect(seen[3]).not.toBe(first);
    expect(parseIdempotencyKey(seen[3]).ok).toBe(true);
  });

  it('uses context.idempotencyKey as a stable business key', async () => {
    const api = ky.create({ prefix: base, retry, hooks: idempotencyHooks() });
    failuresLeft = 1;
    await api.post('payouts', { json: {}, context: { idempotencyKey: 'payout-2026-01-user-42' } });
    await api.post('payouts', { json: {}, context: { idempotencyKey: 'payout-2026-01-user-42' } });
    expect(seen).toEqual(Array(3).fill('"payout-2026-01-user-42"'));
  });

  it('sends bare tokens with format: token (Stripe style)', async () => {
    const api = ky.create({ prefix: base, hooks: idempotencyHooks({ format: 'token' }) });
    await api.post('charges');
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('prefers the key function, falling back to context, then to a generated key', async () => {
    let n = 0;
    const hooks = idempotencyHooks({
      header: 'X-Idem',
      key: (request, context) =>
        request.url.endsWith('/a') ? `from-fn-${String(context.tag)}` : undefined,
      generateKey: () => `gen-${++n}`,
    });
    const captured: Array<string | null> = [];
    const api = ky.create({
      prefix: base,
      hooks: composeHooks(hooks, {
        beforeRequest: [
          ({ request }: { request: Request }) => void captured.push(request.headers.get('x-idem')),
        ],
      }),
    });
    await api.post('a', { context: { tag: 't' } });
    await api.post('b', { context: { idempotencyKey: 'ctx' } });
    await api.post('c');
    expect(captured).toEqual(['"from-fn-t"', '"ctx"', '"gen-1"']);
    expect(seen).toEqual([undefined, undefined, undefined]);
  });

  it('leaves other methods alone and keeps a key the request already has', async () => {
    const api = ky.create({ prefix: base, hooks: idempotencyHooks() });
    await api.get('x');
    await api.put('x', { body: 'b' });
    await api.post('x', { headers: { 'Idempotency-Key': '"mine"' } });
    await api.patch('x');
    expect(seen.slice(0, 3)).toEqual([undefined, undefined, '"mine"']);
    expect(seen[3]).toMatch(/^"/);
    const onlyPut = ky.create({ prefix: base, hooks: idempotencyHooks({ methods: ['put'] }) });
    await onlyPut.put('x');
    await onlyPut.post('x');
    expect(seen[4]).toMatch(/^"/);
    expect(seen[5]).toBeUndefined();
  });

  it('rejects the call with InvalidIdempotencyKeyError for an unusable key, before sending', async () => {
    const api = ky.create({ prefix: base, hooks: idempotencyHooks({ format: 'token' }) });
    await expect(
      api.post('x', { context: { idempotencyKey: 'has spaces' } }),
    ).rejects.toBeInstanceOf(InvalidIdempotencyKeyError);
    await expect(api.post('x', { context: { idempotencyKey: 42 } })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_INVALID',
      rule: 'syntax',
    });
    await expect(api.post('x', { context: { idempotencyKey: '' } })).rejects.toMatchObject({
      rule: 'empty',
    });
    expect(seen).toEqual([]);
  });
});
