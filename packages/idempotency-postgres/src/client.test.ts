import { IdempotencyOptionError } from '@brace/idempotency';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isNodePostgres,
  isPreparedStatementFailure,
  statement,
  statementRunner,
} from './client.js';
import { IdempotencyStoreError, type PostgresClient, postgresStore } from './index.js';
import { PGLITE_BOOT_MS, randomTable, serverUrl } from './test-utils/env.js';

const url = serverUrl('DATABASE_URL', 'PostgreSQL prepared statement');
const LONG = { lockTtlMs: 60_000, ttlMs: 600_000 };
const stored = { status: 201, headers: [] as Array<[string, string]>, body: new Uint8Array([1]) };

describe('statement names', () => {
  it('are brace_idem_<operation>_<FNV-1a 64 of the text>', () => {
    // FNV-1a 64 test vectors: "" → cbf29ce484222325, "a" → af63dc4c8601ec8c.
    expect(statement('claim', '').name).toBe('brace_idem_claim_cbf29ce484222325');
    expect(statement('claim', 'a').name).toBe('brace_idem_claim_af63dc4c8601ec8c');
    expect(statement('claim', 'a').text).toBe('a');
  });

  it('differ per table and fit PostgreSQL identifiers', () => {
    const a = statement('complete', 'UPDATE "a" SET x = 1');
    const b = statement('complete', 'UPDATE "b" SET x = 1');
    expect(a.name).not.toBe(b.name);
    expect(statement('complete', 'UPDATE "a" SET x = 1')).toEqual(a);
    expect(a.name.length).toBeLessThanOrEqual(63);
    expect(a.name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });
});

describe('isNodePostgres', () => {
  let lite: PGlite;
  beforeAll(async () => {
    lite = await PGlite.create();
  }, PGLITE_BOOT_MS);
  afterAll(async () => {
    await lite.close();
  });

  it('recognises pg Pool and Client', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    expect(isNodePostgres(pool)).toBe(true);
    expect(isNodePostgres(new pg.Client({ connectionString: 'postgres://x@127.0.0.1:1/y' }))).toBe(
      true,
    );
    await pool.end();
  });

  it('does not mistake PGlite, wrappers or look-alikes for pg', async () => {
    expect(isNodePostgres(lite)).toBe(false);
    const query = () => Promise.resolve({ rows: [] });
    for (const client of [
      undefined,
      null,
      42,
      { query },
      { query, escapeIdentifier: () => '', connectionParameters: null },
      { query, escapeIdentifier: () => '' },
      { query, Client: class {}, totalCount: 0 },
      { query, Client: pg.Client },
      { query, Client: {}, totalCount: 0 },
    ]) {
      expect(isNodePostgres(client)).toBe(false);
    }
  });
});

describe('statementRunner', () => {
  it('sends text and params, or a named config when prepared', async () => {
    const calls: unknown[][] = [];
    const client = {
      query: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve({ rows: [] });
      },
    } as PostgresClient;
    const s = statement('sweep', 'SELECT $1');
    await statementRunner(client, false)(s, [1]);
    await statementRunner(client, true)(s, [2]);
    expect(calls).toEqual([['SELECT $1', [1]], [{ name: s.name, text: 'SELECT $1', values: [2] }]]);
  });

  it('runs a statement again unnamed after a prepared-statement failure, and only then', async () => {
    const calls: unknown[] = [];
    let fail: unknown;
    const client = {
      query: (...args: unknown[]) => {
        calls.push(typeof args[0]);
        if (fail !== undefined && typeof args[0] === 'object') return Promise.reject(fail);
        return Promise.resolve({ rows: [] });
      },
    } as PostgresClient;
    const s = statement('sweep', 'SELECT $1');
    fail = Object.assign(new Error('relation does not exist'), { code: '42P01' });
    const other = statementRunner(client, true);
    await expect(other(s, [1])).rejects.toBe(fail); // any other error is the caller's
    for (const code of ['26000', '42P05', '0A000']) {
      calls.length = 0;
      fail = Object.assign(new Error('prepared statement trouble'), { code });
      const run = statementRunner(client, true);
      await run(s, [1]);
      await run(s, [2]);
      expect(calls).toEqual(['object', 'string', 'string']);
    }
    expect(isPreparedStatementFailure(null)).toBe(false);
    expect(isPreparedStatementFailure({ code: 26000 })).toBe(false);
  });

  it('rejects a preparedStatements option that is not a boolean', () => {
    const client: PostgresClient = { query: () => Promise.resolve({ rows: [] }) };
    for (const preparedStatements of ['yes', 1, null]) {
      expect(() =>
        postgresStore({ client, preparedStatements: preparedStatements as unknown as boolean }),
      ).toThrow(IdempotencyOptionError);
    }
    expect(() => postgresStore({ client, preparedStatements: 'no' as never })).toThrow(
      /`preparedStatements`/,
    );
  });
});

describe.skipIf(!url)('prepared statements on a real server', () => {
  const tables: string[] = [];
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });
  afterAll(async () => {
    for (const table of tables) await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });
  const newTable = () => {
    const table = randomTable('prepared');
    tables.push(table);
    return table;
  };
  const preparedNames = async () =>
    (
      await client.query<{ name: string }>(
        `SELECT name FROM pg_prepared_statements WHERE name LIKE 'brace_idem_%' ORDER BY name`,
      )
    ).rows.map((r) => r.name);
  /** Records what the store hands to `query`, on the pg Client itself (so it stays detectable). */
  function spy(): { calls: unknown[]; stop: () => void } {
    const calls: unknown[] = [];
    const original = client.query;
    client.query = ((config: unknown, ...rest: unknown[]) => {
      calls.push(config);
      return (original as (...a: unknown[]) => unknown).call(client, config, ...rest);
    }) as typeof client.query;
    return {
      calls,
      stop: () => {
        client.query = original;
      },
    };
  }

  it('on a pg Client by default: one named statement per operation, prepared once per connection', async () => {
    const table = newTable();
    const store = postgresStore({ client, table });
    await store.migrate();
    const before = await preparedNames();
    const seen = spy();
    try {
      for (let i = 0; i < 3; i++) {
        const where = { scope: 's', key: `k${i}` };
        const begun = await store.begin(where, 'fp', LONG);
        if (begun.status !== 'acquired') throw new Error('expected acquired');
        expect(await store.complete(where, begun.token, stored, LONG)).toBe(true);
        expect(await store.begin(where, 'fp', LONG)).toEqual({
          status: 'completed',
          record: stored,
        });
        expect(await store.release(where, 'not-the-owner')).toBe(false);
      }
      expect(await store.sweep()).toBe(0);
    } finally {
      seen.stop();
    }
    expect(seen.calls).toHaveLength(13); // one statement per call
    const names = new Set(seen.calls.map((c) => (c as { name: string }).name));
    expect([...names].every((n) => /^brace_idem_(claim|complete|release|sweep)_/.test(n))).toBe(
      true,
    );
    expect(names.size).toBe(4);
    const added = (await preparedNames()).filter((n) => !before.includes(n));
    expect(added.sort()).toEqual([...names].sort());
  });

  it('preparedStatements: false sends plain text; true works through a wrapper that forwards the config', async () => {
    const table = newTable();
    const plain = postgresStore({ client, table, preparedStatements: false });
    await plain.migrate();
    const seen = spy();
    try {
      expect((await plain.begin({ scope: 's', key: 'plain' }, 'fp', LONG)).status).toBe('acquired');
    } finally {
      seen.stop();
    }
    expect(seen.calls.map((c) => typeof c)).toEqual(['string']);

    const forwarded: unknown[] = [];
    const wrapper = {
      query: (text: string, params?: unknown[]) => {
        forwarded.push(text);
        return client.query(text as never, params);
      },
    };
    const named = postgresStore({ client: wrapper, table, preparedStatements: true });
    const where = { scope: 's', key: 'wrapped' };
    const begun = await named.begin(where, 'fp', LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    expect(await named.complete(where, begun.token, stored, LONG)).toBe(true);
    expect(await plain.begin(where, 'fp', LONG)).toEqual({ status: 'completed', record: stored });
    const claim = forwarded[0] as { name: string; text: string; values: unknown[] };
    expect(claim.name).toMatch(/^brace_idem_claim_[0-9a-f]{16}$/);
    expect(claim.values.slice(0, 3)).toEqual(['s', 'wrapped', 'fp']);
    expect(await preparedNames()).toContain(claim.name);
  });

  it('recognises a PoolClient checked out of a pg Pool', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const pooled = await pool.connect();
    try {
      expect(isNodePostgres(pooled)).toBe(true);
    } finally {
      pooled.release();
      await pool.end();
    }
  });

  it('survives the table being dropped and migrated again on the same connection', async () => {
    const table = newTable();
    const store = postgresStore({ client, table });
    // Before migrate: a typed error, and the failed statement is not taken for prepared.
    const missing = await store.begin({ scope: 's', key: 'a' }, 'fp', LONG).catch((e) => e);
    expect(missing).toBeInstanceOf(IdempotencyStoreError);
    await store.migrate();
    expect((await store.begin({ scope: 's', key: 'a' }, 'fp', LONG)).status).toBe('acquired');
    await client.query(`DROP TABLE "${table}"`);
    await store.migrate();
    // The prepared plan is re-planned against the new table.
    expect((await store.begin({ scope: 's', key: 'a' }, 'fp', LONG)).status).toBe('acquired');
    expect((await store.begin({ scope: 's', key: 'a' }, 'fp', LONG)).status).toBe('in-progress');
  });

  it('falls back to plain queries for good when the connection lost its prepared statements', async () => {
    const table = newTable();
    const store = postgresStore({ client, table });
    await store.migrate();
    expect((await store.begin({ scope: 's', key: 'a' }, 'fp', LONG)).status).toBe('acquired');
    // What a transaction pooler or DISCARD ALL does: pg still believes the claim is prepared.
    await client.query('DEALLOCATE ALL');
    const seen = spy();
    try {
      expect((await store.begin({ scope: 's', key: 'b' }, 'fp', LONG)).status).toBe('acquired');
      expect((await store.begin({ scope: 's', key: 'c' }, 'fp', LONG)).status).toBe('acquired');
    } finally {
      seen.stop();
    }
    // The named attempt (26000) ran nothing; it is retried unnamed, and plain text from then on.
    expect(seen.calls.map((c) => typeof c)).toEqual(['object', 'string', 'string']);
    const rows = await client.query(`SELECT key FROM "${table}" ORDER BY key`);
    expect(rows.rows.map((r) => r.key)).toEqual(['a', 'b', 'c']); // each claim once
  });

  it('falls back when an ALTER TABLE changed what a cached plan returns', async () => {
    const table = newTable();
    const store = postgresStore({ client, table });
    await store.migrate();
    expect((await store.begin({ scope: 's', key: 'a' }, 'fp', LONG)).status).toBe('acquired');
    await client.query(`ALTER TABLE "${table}" ALTER COLUMN response_status TYPE bigint`);
    // 0A000 "cached plan must not change result type" on the named claim, then plain text.
    const seen = spy();
    try {
      expect(await store.begin({ scope: 's', key: 'a' }, 'fp', LONG)).toMatchObject({
        status: 'in-progress',
      });
      expect((await store.begin({ scope: 's', key: 'b' }, 'fp', LONG)).status).toBe('acquired');
    } finally {
      seen.stop();
    }
    expect(seen.calls.map((c) => typeof c)).toEqual(['object', 'string', 'string']);
  });

  it('keeps stores on different tables apart on one connection', async () => {
    const a = postgresStore({ client, table: newTable() });
    const b = postgresStore({ client, table: newTable() });
    await a.migrate();
    await b.migrate();
    const where = { scope: 's', key: 'same' };
    expect((await a.begin(where, 'fp-a', LONG)).status).toBe('acquired');
    expect((await b.begin(where, 'fp-b', LONG)).status).toBe('acquired');
    expect(await a.begin(where, 'fp-b', LONG)).toEqual({ status: 'mismatch' });
  });
});
