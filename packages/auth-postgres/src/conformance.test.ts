import { runTokenStoreConformance } from '@brace/auth/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresTokenStore } from './index.js';
import { randomTable, serverUrl } from './test-utils/env.js';

const url = serverUrl('DATABASE_URL', 'PostgreSQL token store');

describe.skipIf(!url)('postgresTokenStore on a real server', () => {
  let pool: pg.Pool;
  const table = randomTable('conf');
  runTokenStoreConformance(
    'postgresTokenStore (pg Pool)',
    async () => {
      pool = new pg.Pool({ connectionString: url as string, max: 4 });
      const store = postgresTokenStore({ client: pool, table });
      await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
      return store;
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      },
    },
  );
});

describe('postgresTokenStore on PGlite', () => {
  let db: PGlite;
  runTokenStoreConformance(
    'postgresTokenStore (PGlite)',
    async () => {
      db = new PGlite();
      const store = postgresTokenStore({ client: db, table: 'public.tokens' });
      await store.migrate();
      return store;
    },
    { shortTtlMs: 60, teardown: () => db.close() },
  );

  it('reads text and malformed token columns; rethrows other migrate errors', async () => {
    const rows: Array<Record<string, unknown>> = [];
    const client = {
      query: async (text: string) => {
        if (text.startsWith('CREATE')) throw Object.assign(new Error('denied'), { code: '42501' });
        return { rows };
      },
    };
    const store = postgresTokenStore({ client });
    await expect(store.migrate()).rejects.toThrow('denied');
    rows.push({
      version: '2',
      token: '{"accessToken":"a","expiresAt":1,"refreshToken":"r"}',
      pending: null,
    });
    expect(await store.load('k')).toEqual({
      version: 2,
      token: {
        accessToken: 'a',
        tokenType: 'bearer',
        expiresAt: 1,
        issuedAt: undefined,
        refreshToken: 'r',
      },
      pending: undefined,
    });
    rows[0] = { version: 1, token: '{bad', pending: null };
    expect((await store.load('k'))?.token).toBeUndefined();
    rows[0] = { version: 1, token: { accessToken: 3 }, pending: null };
    expect((await store.load('k'))?.token).toBeUndefined();
    const racing = postgresTokenStore({
      client: {
        query: async () => Promise.reject(Object.assign(new Error('x'), { code: '42P07' })),
      },
    });
    await racing.migrate();
  });

  it('rejects bad options', () => {
    expect(() => postgresTokenStore({ client: {} as never })).toThrow(/client/);
    const client = { query: async () => ({ rows: [] }) };
    expect(() => postgresTokenStore({ client, table: 'a;drop' })).toThrow(/table/);
    expect(() => postgresTokenStore({ client, table: 'a.b.c' })).toThrow(/table/);
  });
});
