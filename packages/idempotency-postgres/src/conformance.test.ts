import { manualClock } from '@brace/core';
import { runStoreConformance } from '@brace/idempotency/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { beforeAll, describe } from 'vitest';
import { postgresStore } from './index.js';
import { PGLITE_BOOT_MS, randomTable, serverUrl } from './test-utils/env.js';

// PGlite (PostgreSQL in WebAssembly, in process): runs everywhere, no server needed.
const clock = manualClock({ now: 1_700_000_000_000 });
let lite: PGlite;
beforeAll(async () => {
  lite = await PGlite.create();
}, PGLITE_BOOT_MS);
runStoreConformance(
  'postgresStore (PGlite)',
  async () => {
    const store = postgresStore({ client: lite, clock });
    await store.migrate();
    return store;
  },
  { clock, teardown: () => lite.close() },
);

const url = serverUrl('DATABASE_URL', 'PostgreSQL conformance');
describe.skipIf(!url)('postgresStore on a real server', () => {
  // A pg Pool on real time, as in production (named statements: the default on pg); a table
  // of its own, dropped afterwards.
  let pool: pg.Pool;
  const table = randomTable('conformance');
  runStoreConformance(
    'postgresStore (pg Pool)',
    async () => {
      pool = new pg.Pool({ connectionString: url, max: 8 });
      const store = postgresStore({ client: pool, table });
      await store.migrate();
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

  // The same pool without prepared statements (as behind a pooler that lacks them).
  let plainPool: pg.Pool;
  const plainTable = randomTable('conformance_plain');
  runStoreConformance(
    'postgresStore (pg Pool, preparedStatements: false)',
    async () => {
      plainPool = new pg.Pool({ connectionString: url, max: 8 });
      const store = postgresStore({
        client: plainPool,
        table: plainTable,
        preparedStatements: false,
      });
      await store.migrate();
      return store;
    },
    {
      shortTtlMs: 60,
      teardown: async () => {
        await plainPool.query(`DROP TABLE IF EXISTS "${plainTable}"`);
        await plainPool.end();
      },
    },
  );
});
