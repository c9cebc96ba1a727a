import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresInboxStore } from './postgres.js';
import { randomTable, serverUrl } from './test-utils/env.js';
import { T0 } from './test-utils/fixtures.js';

const url = serverUrl('DATABASE_URL', 'PostgreSQL outage recovery');

describe.skipIf(!url)('PostgreSQL outage at first use, then recovery', () => {
  let server: Server;
  let blackhole = true;
  const sockets = new Set<Socket>();
  const table = randomTable('outage');
  let admin: pg.Pool;
  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: url, max: 1 });
    const target = new URL(url!);
    // A loopback proxy to the real server: while `blackhole`, it accepts and never answers.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      if (blackhole) return;
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(upstream);
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
      socket.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await admin.query(`DROP TABLE IF EXISTS "${table}", "${table}_watermarks"`);
    await admin.end();
  });

  it('answers again once the database is back, even if the first migration never settled', async () => {
    const { port } = server.address() as { port: number };
    const proxied = new URL(url!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(port);
    const pool = new pg.Pool({ connectionString: proxied.href, max: 4 });
    pool.on('error', () => {});
    const store = postgresInboxStore({ client: pool, table, operationTimeoutMs: 200 });
    const event = {
      provider: 'p',
      eventId: 'e1',
      type: 't',
      payload: '{}',
      receivedAt: T0,
      orderAt: T0,
      source: 'delivery' as const,
    };
    await expect(store.insert(event)).rejects.toMatchObject({ code: 'INBOX_STORE_FAILED' });
    blackhole = false; // the database is reachable again (the first connection stays hung)
    await expect(store.insert(event)).resolves.toBe('inserted');
    await expect(store.insert(event)).resolves.toBe('duplicate');
    for (const socket of sockets) socket.destroy();
    await pool.end().catch(() => {});
  });
});
