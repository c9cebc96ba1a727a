import { createServer, type Server } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { inspect } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { InboxStoreError, safeCause } from './errors.js';
import { attemptError } from './event.js';
import { memoryInboxStore } from './memory-store.js';
import { postgresInboxStore } from './postgres.js';
import { retryPlan } from './retry.js';
import { sqliteInboxStore } from './sqlite.js';
import { T0 } from './test-utils/fixtures.js';

const event = {
  provider: 'p',
  eventId: 'e',
  type: 't',
  payload: '{"card":"4242-planted"}',
  receivedAt: T0,
  orderAt: T0,
  source: 'delivery' as const,
};

describe('store options and failures', () => {
  it('refuses bad options with typed errors naming the option', () => {
    expect(() => memoryInboxStore({ maxEvents: 0 })).toThrow(/maxEvents/);
    expect(() => sqliteInboxStore({ database: {} as never })).toThrow(/database/);
    expect(() =>
      sqliteInboxStore({ database: new DatabaseSync(':memory:'), table: '1bad' }),
    ).toThrow(/table/);
    expect(() =>
      sqliteInboxStore({ database: new DatabaseSync(':memory:'), busyTimeoutMs: -1 }),
    ).toThrow(/busyTimeoutMs/);
    expect(() => postgresInboxStore({ client: {} as never })).toThrow(/client/);
    expect(() =>
      postgresInboxStore({ client: { query: async () => ({ rows: [] }) }, operationTimeoutMs: 0 }),
    ).toThrow(/operationTimeoutMs/);
  });

  it('the memory store is bounded: full means INBOX_STORE_FULL, never an eviction', async () => {
    const store = memoryInboxStore({ maxEvents: 1 });
    await store.insert(event);
    await expect(store.insert({ ...event, eventId: 'f' })).rejects.toMatchObject({
      code: 'INBOX_STORE_FULL',
    });
    expect(await store.insert(event)).toBe('duplicate');
  });

  it('SQLite failures are typed store errors without statement values', async () => {
    const database = new DatabaseSync(':memory:');
    const store = sqliteInboxStore({ database });
    database.close();
    const error = await store.insert(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InboxStoreError);
    expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
      'planted',
    );
    for (const call of [
      () => store.claim({ worker: 'w', now: T0, leaseMs: 1, limit: 1, ordered: false }),
      () => store.settle('p:e', 'l', { status: 'done' }, T0),
      () => store.requeue(['p:e'], T0),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'INBOX_STORE_FAILED' });
    }
    expect(() => sqliteInboxStore({ database })).toThrow(InboxStoreError);
  });

  describe('PostgreSQL outage: a server that accepts and never answers', () => {
    let server: Server;
    const sockets = new Set<import('node:net').Socket>();
    afterAll(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    });
    it('fails within operationTimeoutMs instead of holding the delivery', async () => {
      server = createServer((socket) => void sockets.add(socket)); // accepts, never answers
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'x', database: 'x', max: 1 });
      pool.on('error', () => {});
      const store = postgresInboxStore({ client: pool, operationTimeoutMs: 50 });
      const started = performance.now();
      await expect(store.insert(event)).rejects.toMatchObject({
        code: 'INBOX_STORE_FAILED',
        operation: 'insert',
      });
      expect(performance.now() - started).toBeLessThan(5_000); // bounded by the timeout, not the outage
      void pool.end().catch(() => {});
    });
  });

  it('reduces driver errors to name, code and first line', () => {
    const driver = Object.assign(
      new Error(`duplicate key\nDETAIL: Key (id)=(secret) already exists ${'x'.repeat(300)}`),
      { code: '23505', args: ['secret'] },
    );
    const reduced = safeCause(driver);
    expect(reduced.message).toBe('duplicate key');
    expect((reduced as Error & { code: string }).code).toBe('23505');
    expect(inspect(reduced, { showHidden: true, depth: 5 })).not.toContain('secret');
    expect(safeCause('text').message).toBe('non-Error thrown');
    expect(safeCause(42).message).toBe('number');
    expect(safeCause(new Error('y'.repeat(300))).message).toHaveLength(201);
    expect(new InboxStoreError('op', 'm').cause).toBeUndefined();
  });

  it('keeps attempt errors short and typed', () => {
    expect(attemptError('oops', 1, 0)).toEqual({
      attempt: 1,
      at: 0,
      name: 'string',
      message: 'a non-Error value was thrown',
    });
    expect(attemptError(new Error('z'.repeat(600)), 2, 0).message).toHaveLength(501);
    expect(attemptError(null, 1, 0).name).toBe('object');
  });

  it('retry plans: full jitter, a custom delay, and validation', () => {
    const plan = retryPlan({ baseMs: 100, capMs: 250 }, () => 0.999);
    expect([1, 2, 3, 4].map((n) => plan.delayAfter(n, undefined))).toEqual([99, 199, 249, 249]);
    const custom = retryPlan({ delay: (attempt) => (attempt === 1 ? Number.NaN : attempt * 10) });
    expect([custom.delayAfter(1, undefined), custom.delayAfter(2, undefined)]).toEqual([0, 20]);
    expect(() => retryPlan({ capMs: Number.NaN })).toThrow(/retry.capMs/);
    expect(() => retryPlan({ attempts: 2.5 })).toThrow(/whole number/);
  });
});
