import { isBraceError, manualClock } from '@brace/core';
import { IdempotencyOptionError } from '@brace/idempotency';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_POSTGRES_TABLE,
  IdempotencyStoreError,
  POSTGRES_SCHEMA,
  type PostgresClient,
  postgresSchema,
  postgresStore,
} from './index.js';
import { PGLITE_BOOT_MS, randomTable, serverUrl } from './test-utils/env.js';

const url = serverUrl('DATABASE_URL', 'PostgreSQL adapter');
const LONG = { lockTtlMs: 60_000, ttlMs: 86_400_000 };
const stored = {
  status: 201,
  headers: [
    ['content-type', 'application/json'],
    ['set-cookie', 'a=1'],
  ] as Array<[string, string]>,
  body: new Uint8Array([0, 1, 2, 0x5c, 0x78, 0xfe, 0xff]),
};

async function rejection(promise: Promise<unknown>): Promise<IdempotencyStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdempotencyStoreError);
  expect(isBraceError(error, 'IDEMPOTENCY_STORE_ERROR')).toBe(true);
  return error as IdempotencyStoreError;
}

describe('schema and options', () => {
  it('exports the default schema and per-table statements', () => {
    expect(DEFAULT_POSTGRES_TABLE).toBe('brace_idempotency');
    expect(POSTGRES_SCHEMA).toContain('CREATE TABLE IF NOT EXISTS "brace_idempotency"');
    expect(POSTGRES_SCHEMA).not.toMatch(/unlogged/i);
    expect(POSTGRES_SCHEMA).toContain(
      'CREATE INDEX IF NOT EXISTS "brace_idempotency_expires_at" ON "brace_idempotency" (expires_at)',
    );
    expect(postgresSchema('app.idem')[1]).toBe(
      'CREATE INDEX IF NOT EXISTS "idem_expires_at" ON "app"."idem" (expires_at)',
    );
  });

  it('rejects a bad table name or client at construction, naming the option', () => {
    const client: PostgresClient = { query: () => Promise.resolve({ rows: [] }) };
    for (const table of [
      '',
      'a-b',
      'x"; DROP TABLE y; --',
      '1abc',
      'a.b.c',
      'a'.repeat(53),
      '.a',
    ]) {
      expect(() => postgresStore({ client, table })).toThrow(IdempotencyOptionError);
      expect(() => postgresSchema(table)).toThrow(/`table`/);
    }
    expect(() => postgresStore({ client, table: 'a'.repeat(52) })).not.toThrow();
    expect(() => postgresStore({ client, table: `${'s'.repeat(63)}.t` })).not.toThrow();
    for (const bad of [undefined, {}, { query: 1 }]) {
      expect(() => postgresStore({ client: bad as unknown as PostgresClient })).toThrow(/`client`/);
    }
  });

  it('a client that keeps returning no row exhausts begin with a typed error', async () => {
    const store = postgresStore({ client: { query: () => Promise.resolve({ rows: [] }) } });
    const error = await rejection(store.begin({ scope: 's', key: 'k' }, 'fp', LONG));
    expect(error.operation).toBe('begin');
    expect(error.message).toContain('kept changing');
    expect(await store.sweep()).toBe(0);
  });
});

/** The engines every behaviour test runs on: PGlite always, a real server when configured. */
interface Engine {
  name: string;
  client: () => PostgresClient;
  setup: () => Promise<void>;
  teardown: () => Promise<void>;
}

let lite: PGlite;
let pool: pg.Pool;
const engines: Engine[] = [
  {
    name: 'PGlite',
    client: () => lite,
    setup: async () => {
      lite = await PGlite.create();
    },
    teardown: async () => {
      if (!lite.closed) await lite.close();
    },
  },
];
if (url) {
  engines.push({
    name: 'PostgreSQL (pg)',
    client: () => pool,
    setup: async () => {
      pool = new pg.Pool({ connectionString: url, max: 4 });
    },
    teardown: async () => {
      if (!pool.ended) await pool.end();
    },
  });
}

describe.each(engines)('on $name', (engine) => {
  const tables: string[] = [];
  let client: PostgresClient;
  beforeAll(async () => {
    await engine.setup();
    client = engine.client();
  }, PGLITE_BOOT_MS);
  afterAll(async () => {
    // Normally already done by the last test, which closes the client.
    for (const table of tables) {
      await client.query(`DROP TABLE IF EXISTS "${table}"`).catch(() => {});
    }
    await engine.teardown();
  });
  async function freshStore(clock = manualClock({ now: 1_000_000 })) {
    const table = randomTable('adapter');
    tables.push(table);
    const store = postgresStore({ client, table, clock });
    await store.migrate();
    return { store, table, clock };
  }

  it('migrate creates the documented, logged table with its key and index, idempotently', async () => {
    const { store, table } = await freshStore();
    await store.migrate();
    const { rows: columns } = await client.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    expect(columns).toEqual([
      { column_name: 'scope', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'key', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'fingerprint', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'status', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'owner_token', data_type: 'text', is_nullable: 'YES' },
      { column_name: 'locked_until', data_type: 'timestamp with time zone', is_nullable: 'NO' },
      { column_name: 'expires_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
      { column_name: 'response_status', data_type: 'integer', is_nullable: 'YES' },
      { column_name: 'response_headers', data_type: 'jsonb', is_nullable: 'YES' },
      { column_name: 'response_body', data_type: 'bytea', is_nullable: 'YES' },
      { column_name: 'created_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
    ]);
    const { rows: meta } = await client.query(
      `SELECT c.relpersistence,
         (SELECT array_agg(a.attname ORDER BY k.ord)::text[] FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
          WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key,
         (SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname = $1 || '_expires_at') AS expires_index
       FROM pg_class c WHERE c.relname = $1`,
      [table],
    );
    expect(meta).toEqual([
      {
        relpersistence: 'p', // permanent: a logged table
        primary_key: ['scope', 'key'],
        expires_index: expect.stringContaining('USING btree (expires_at)'),
      },
    ]);
  });

  it('stores times from the injected clock, jsonb headers and bytea bodies', async () => {
    const { store, table, clock } = await freshStore();
    const where = { scope: 'tenant-1 POST /orders', key: 'key-1' };
    const begun = await store.begin(where, 'fp', { lockTtlMs: 30_000, ttlMs: 60_000 });
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    const row = async () =>
      (
        await client.query(
          `SELECT status, owner_token, extract(epoch FROM locked_until)::float8 * 1000 AS locked,
             extract(epoch FROM expires_at)::float8 * 1000 AS expires,
             extract(epoch FROM created_at)::float8 * 1000 AS created,
             response_status, response_headers, encode(response_body, 'hex') AS body
           FROM "${table}"`,
        )
      ).rows[0];
    expect(await row()).toEqual({
      status: 'in-progress',
      owner_token: begun.token,
      locked: 1_030_000,
      expires: 1_060_000,
      created: 1_000_000,
      response_status: null,
      response_headers: null,
      body: null,
    });
    await clock.advance(1_000);
    expect(await store.complete(where, begun.token, stored, { ttlMs: 3_600_000 })).toBe(true);
    expect(await row()).toEqual({
      status: 'completed',
      owner_token: null,
      locked: 1_001_000,
      expires: 4_601_000,
      created: 1_000_000,
      response_status: 201,
      response_headers: stored.headers,
      body: '0001025c78feff',
    });
    const replay = await store.begin(where, 'fp', LONG);
    expect(replay).toEqual({ status: 'completed', record: stored });
    if (replay.status === 'completed') {
      expect(Object.getPrototypeOf(replay.record.body)).toBe(Uint8Array.prototype);
    }
  });

  it('lock takeover keeps created_at; a fresh claim after expiry resets it and the response', async () => {
    const { store, table, clock } = await freshStore();
    const where = { scope: 's', key: 'k' };
    await store.begin(where, 'fp-a', { lockTtlMs: 100, ttlMs: 1_000 });
    await clock.advance(100);
    expect((await store.begin(where, 'fp-b', { lockTtlMs: 100, ttlMs: 1_000 })).status).toBe(
      'acquired',
    );
    const created = async () =>
      (
        await client.query(
          `SELECT fingerprint, extract(epoch FROM created_at)::float8 * 1000 AS created FROM "${table}"`,
        )
      ).rows[0];
    expect(await created()).toEqual({ fingerprint: 'fp-b', created: 1_000_000 });
    await clock.advance(1_000);
    expect((await store.begin(where, 'fp-c', LONG)).status).toBe('acquired');
    expect(await created()).toEqual({ fingerprint: 'fp-c', created: 1_001_100 });
  });

  it('sweep deletes only expired rows and reports how many', async () => {
    const { store, table, clock } = await freshStore();
    for (let i = 0; i < 4; i++) {
      await store.begin({ scope: 's', key: `short-${i}` }, 'fp', { lockTtlMs: 10, ttlMs: 100 });
    }
    await store.begin({ scope: 's', key: 'long' }, 'fp', LONG);
    expect(await store.sweep()).toBe(0);
    await clock.advance(100);
    expect(await store.sweep()).toBe(4);
    expect(await store.sweep()).toBe(0);
    expect((await client.query(`SELECT key FROM "${table}"`)).rows).toEqual([{ key: 'long' }]);
  });

  it('a missing table rejects every operation with IdempotencyStoreError and the cause', async () => {
    const store = postgresStore({ client, table: randomTable('missing') });
    for (const [operation, call] of [
      ['begin', () => store.begin({ scope: 's', key: 'k' }, 'fp', LONG)],
      ['complete', () => store.complete({ scope: 's', key: 'k' }, 'tok', stored, { ttlMs: 1 })],
      ['release', () => store.release({ scope: 's', key: 'k' }, 'tok')],
      ['sweep', () => store.sweep()],
    ] as const) {
      const error = await rejection(call());
      expect(error.operation).toBe(operation);
      expect(String((error.cause as Error).message)).toMatch(/does not exist/);
    }
  });

  it('accepts jsonb headers handed back as text (a wrapper that does not parse json)', async () => {
    const { store, table, clock } = await freshStore();
    const where = { scope: 's', key: 'k' };
    const begun = await store.begin(where, 'fp', LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    await store.complete(where, begun.token, stored, { ttlMs: 60_000 });
    const textual: PostgresClient = {
      async query(text, params) {
        const { rows } = await client.query(text, params);
        return {
          rows: rows.map((r) => ({
            ...(r as object),
            response_headers: JSON.stringify((r as { response_headers: unknown }).response_headers),
          })),
        };
      },
    };
    expect(await postgresStore({ client: textual, table, clock }).begin(where, 'fp', LONG)).toEqual(
      {
        status: 'completed',
        record: stored,
      },
    );
  });

  // Last: it closes the engine's client.
  it('a client closed between begin and complete fails with a typed error carrying the cause', async () => {
    const { store } = await freshStore();
    const where = { scope: 's', key: 'k' };
    const begun = await store.begin(where, 'fp', { lockTtlMs: 500, ttlMs: 60_000 });
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    // Drop the tables first: nothing can be cleaned up once the client is closed.
    for (const table of tables) await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await engine.teardown();
    const error = await rejection(store.complete(where, begun.token, stored, { ttlMs: 60_000 }));
    expect(error.operation).toBe('complete');
    expect(error.cause).toBeInstanceOf(Error);
  });
});
