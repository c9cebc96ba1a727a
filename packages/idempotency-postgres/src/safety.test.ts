import { createServer, type Server, Socket } from 'node:net';
import { inspect } from 'node:util';
import { SafeCause } from '@brace/core';
import { createIdempotency } from '@brace/idempotency';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POSTGRES_TIMEOUT_MS, IdempotencyStoreError, postgresStore } from './index.js';
import { randomTable, serverUrl } from './test-utils/env.js';

const url = serverUrl('DATABASE_URL', 'PostgreSQL safety');
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

describe.skipIf(!url)('secrets never reach the cause chain (real PostgreSQL)', () => {
  const table = randomTable('safety');
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 2 });
    await postgresStore({ client: pool, table }).migrate();
    // Constraints whose violations make PostgreSQL print the failing row (key, fingerprint,
    // token, body) in the error's `detail`.
    await pool.query(
      `ALTER TABLE "${table}" ADD CONSTRAINT no_bad_key CHECK (position('REFUSED' in key) = 0)`,
    );
    await pool.query(
      `ALTER TABLE "${table}" ADD CONSTRAINT no_299 CHECK (response_status IS NULL OR response_status <> 299)`,
    );
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });

  it('a begin and a complete that violate a constraint: no key, fingerprint, token or body in util.inspect', async () => {
    const store = postgresStore({ client: pool, table });
    const fingerprint = 'sha256:FINGERPRINT-SECRET-91aa';
    const refused = { scope: 'tenant SCOPE-SECRET-77 POST /x', key: 'KEY-SECRET-REFUSED-6c1f' };
    const beginError = await rejection(store.begin(refused, fingerprint, LONG));

    const where = { scope: 'tenant SCOPE-SECRET-77 POST /x', key: 'KEY-SECRET-ok-0b2e' };
    const begun = await store.begin(where, fingerprint, LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    const body = new TextEncoder().encode('{"card":"BODY-SECRET-4242"}');
    const completeError = await rejection(
      store.complete(
        where,
        begun.token,
        { status: 299, headers: [['x-h', 'HEADER-SECRET-13']], body },
        { ttlMs: 60_000 },
      ),
    );
    const secrets = [
      'KEY-SECRET',
      fingerprint,
      'SCOPE-SECRET-77',
      begun.token,
      'BODY-SECRET-4242',
      Buffer.from(body).toString('hex'),
      'HEADER-SECRET-13',
    ];
    for (const error of [beginError, completeError]) {
      const cause = error.cause as SafeCause;
      expect(cause).toBeInstanceOf(SafeCause);
      expect(cause.code).toBe('23514'); // check_violation: the SQLSTATE is kept
      expect(cause.message).toMatch(/violates check constraint/);
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
      sockets.add(socket);
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
    expect(DEFAULT_POSTGRES_TIMEOUT_MS).toBe(2_000);
    const client = { query: () => Promise.resolve({ rows: [] }) };
    for (const timeoutMs of [0, -1, 1.5, 600_001, Number.NaN]) {
      expect(() => postgresStore({ client, timeoutMs })).toThrow(/`timeoutMs`/);
    }
  });

  it('begin, complete, release and sweep reject with IdempotencyStoreError within timeoutMs; the middleware answers 503', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'u', database: 'd', max: 4 });
    pool.on('error', () => {});
    const store = postgresStore({ client: pool, timeoutMs: 150 });
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
      () => store.sweep(),
    ]) {
      const started = performance.now();
      const error = await rejection(call());
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1_500);
      expect(error.message).toContain('did not answer within 150 ms');
    }
    let runs = 0;
    const started = performance.now();
    const response = await createIdempotency({ store }).handle(
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
    for (const socket of sockets) socket.destroy(); // the pool's connections fail and close
    await pool.end();
  });
});

describe.skipIf(!url)(
  'a begin that times out leaves no claim behind (real PostgreSQL behind a gated proxy)',
  () => {
    const table = randomTable('late');
    let pool: pg.Pool;
    let proxy: Server;
    let port: number;
    const held: Buffer[] = [];
    let upstreamSocket: Socket | undefined;
    let gated = false;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: url, max: 1 });
      await postgresStore({ client: pool, table }).migrate();
      const target = new URL(url as string);
      proxy = createServer((socket) => {
        sockets.add(socket);
        const upstream = new Socket();
        sockets.add(upstream);
        upstream.connect(Number(target.port || 5432), target.hostname);
        upstreamSocket = upstream;
        upstream.on('data', (chunk) => socket.write(chunk));
        upstream.on('error', () => {});
        socket.on('error', () => {});
        // Once gated, statements are held (a partition), then run on the real server.
        socket.on('data', (chunk) => (gated ? held.push(chunk) : upstream.write(chunk)));
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      port = (proxy.address() as { port: number }).port;
    });
    afterAll(async () => {
      await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    });

    it('the late claim is released, so the retry after the 503 is not refused with 409 for lockTtlMs', async () => {
      const where = { scope: 's', key: 'late-1' };
      const through = new URL(url as string);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      const client = new pg.Client({ connectionString: through.toString() });
      client.on('error', () => {});
      await client.connect();
      try {
        const store = postgresStore({ client, table, timeoutMs: 100 });
        gated = true;
        await rejection(store.begin(where, 'fp', LONG)); // the caller answered 503
        gated = false;
        for (const chunk of held.splice(0)) upstreamSocket?.write(chunk);
        // The held begin ran on the server; its reply, then the give-back, come before these.
        await client.query('SELECT 1');
        await client.query('SELECT 1');
        const retry = await postgresStore({ client: pool, table }).begin(where, 'fp', LONG);
        expect(retry.status).toBe('acquired');
      } finally {
        await client.end();
      }
    });
  },
);
