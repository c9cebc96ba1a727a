import { createServer, type Server, Socket } from 'node:net';
import { inspect } from 'node:util';
import { SafeCause } from '@brace/core';
import { createIdempotency } from '@brace/idempotency';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_REDIS_TIMEOUT_MS, IdempotencyStoreError, redisStore } from './index.js';
import { connectIoredis, deletePrefix } from './test-utils/clients.js';
import { randomPrefix, serverUrl } from './test-utils/env.js';

const url = serverUrl('REDIS_URL', 'Redis safety');
const LONG = { lockTtlMs: 60_000, ttlMs: 600_000 };

function everything(value: unknown): string {
  return inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true });
}

async function rejection(promise: Promise<unknown>): Promise<IdempotencyStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdempotencyStoreError);
  return error as IdempotencyStoreError;
}

describe.skipIf(!url)('secrets never reach the cause chain (real Redis)', () => {
  const prefix = randomPrefix('safety');
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectIoredis(url as string);
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('begin and complete fail on a key of the wrong type: no key, fingerprint, token or body in util.inspect', async () => {
    const store = redisStore({ client: redis, prefix });
    const key = 'KEY-SECRET-6c1f0b';
    const fingerprint = 'sha256:FINGERPRINT-SECRET-91aa';
    const where = { scope: 'tenant SCOPE-SECRET-77 POST /x', key };
    const begun = await store.begin(where, fingerprint, LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    // Another writer turns the record into a hash: every script's GET now fails (WRONGTYPE).
    const redisKey = `${prefix}${where.scope.length}:${where.scope}:${key}`;
    await redis.del(redisKey);
    await redis.hset(redisKey, 'f', 'v');

    const body = new TextEncoder().encode('{"card":"BODY-SECRET-4242"}');
    const failures = [
      await rejection(store.begin(where, fingerprint, LONG)),
      await rejection(
        store.complete(
          where,
          begun.token,
          { status: 201, headers: [['x-h', 'HEADER-SECRET-13']], body },
          { ttlMs: 60_000 },
        ),
      ),
      await rejection(store.release(where, begun.token)),
    ];
    const secrets = [
      key,
      fingerprint,
      'SCOPE-SECRET-77',
      begun.token,
      'BODY-SECRET-4242',
      Buffer.from(body).toString('base64'),
      'HEADER-SECRET-13',
    ];
    for (const error of failures) {
      expect(error.cause).toBeInstanceOf(SafeCause);
      const cause = error.cause as SafeCause;
      expect(cause.name).toBe('ReplyError');
      expect(cause.message).toMatch(/WRONGTYPE/);
      const text = everything(error);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});

describe('an unreachable server answers fast (a loopback server that accepts and never answers)', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // accepts, reads, never answers
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('the default timeout is in low seconds, and a bad one is refused', () => {
    expect(DEFAULT_REDIS_TIMEOUT_MS).toBe(2_000);
    const client = { runScript: () => Promise.resolve(1) };
    for (const timeoutMs of [0, -1, 1.5, 60_001, Number.NaN]) {
      expect(() => redisStore({ client, timeoutMs })).toThrow(/`timeoutMs`/);
    }
  });

  it('begin, complete and release reject with IdempotencyStoreError within timeoutMs; the middleware answers 503', async () => {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: false,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => {});
    try {
      const store = redisStore({ client, timeoutMs: 150 });
      const where = { scope: 's', key: 'k' };
      for (const call of [
        () => store.begin(where, 'fp', LONG),
        () =>
          store.complete(
            where,
            't',
            { status: 200, headers: [], body: new Uint8Array() },
            { ttlMs: 1_000 },
          ),
        () => store.release(where, 't'),
      ]) {
        const started = performance.now();
        const error = await rejection(call());
        const elapsed = performance.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(140);
        expect(elapsed).toBeLessThan(1_500);
        expect(error.message).toContain('did not answer within 150 ms');
        expect((error.cause as SafeCause).message).toBe('Redis did not answer within 150 ms.');
      }
      let runs = 0;
      const idempotency = createIdempotency({ store });
      const started = performance.now();
      const response = await idempotency.handle(
        new Request('http://localhost/orders', {
          method: 'POST',
          headers: { 'idempotency-key': 'k-1' },
          body: '{}',
        }),
        () => {
          runs += 1;
          return new Response(null, { status: 201 });
        },
      );
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(runs).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});

describe.skipIf(!url)(
  'a begin that times out leaves no claim behind (real Redis behind a gated proxy)',
  () => {
    const prefix = randomPrefix('late');
    let direct: Redis;
    let proxy: Server;
    let port: number;
    const held: Buffer[] = [];
    let upstreamSocket: Socket | undefined;
    let gated = true;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      direct = await connectIoredis(url as string);
      const target = new URL(url as string);
      proxy = createServer((socket) => {
        sockets.add(socket);
        const upstream = new Socket();
        sockets.add(upstream);
        upstream.connect(Number(target.port || 6379), target.hostname);
        upstreamSocket = upstream;
        upstream.on('data', (chunk) => socket.write(chunk));
        upstream.on('error', () => {});
        socket.on('error', () => {});
        // Commands are held (a partition) until the gate opens, then run on the real server.
        socket.on('data', (chunk) => (gated ? held.push(chunk) : upstream.write(chunk)));
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      port = (proxy.address() as { port: number }).port;
    });
    afterAll(async () => {
      await deletePrefix(direct, prefix);
      direct.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    });

    it('the late claim is released, so the retry after the 503 is not refused with 409 for lockTtlMs', async () => {
      const where = { scope: 's', key: 'late-1' };
      // Load the scripts on the server, so the held EVALSHA needs no EVAL fallback.
      const directStore = redisStore({ client: direct, prefix });
      const warm = await directStore.begin({ scope: 's', key: 'warm' }, 'fp', LONG);
      expect(warm.status).toBe('acquired');

      const client = new Redis({ host: '127.0.0.1', port, enableReadyCheck: false });
      client.on('error', () => {});
      try {
        await vi.waitFor(() => expect(upstreamSocket).toBeDefined());
        const store = redisStore({ client, prefix, timeoutMs: 100 });
        await rejection(store.begin(where, 'fp', LONG)); // the caller answered 503
        gated = false;
        for (const chunk of held.splice(0)) upstreamSocket?.write(chunk);
        // The held begin ran on the server; its reply, then the give-back, come before these.
        await client.ping();
        await client.ping();
        const retry = await directStore.begin(where, 'fp', LONG);
        expect(retry.status).toBe('acquired');
      } finally {
        client.disconnect();
      }
    });
  },
);
