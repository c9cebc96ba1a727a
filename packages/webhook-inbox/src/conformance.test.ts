import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { describe } from 'vitest';
import { memoryInboxStore } from './memory-store.js';
import { postgresInboxStore } from './postgres.js';
import { sqliteInboxStore } from './sqlite.js';
import { randomTable, serverUrl } from './test-utils/env.js';
import { runInboxStoreConformance } from './testing.js';

describe('memoryInboxStore', () => {
  runInboxStoreConformance(() => memoryInboxStore());
});

describe('sqliteInboxStore (node:sqlite, a file in WAL mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brace-inbox-'));
  let database: DatabaseSync;
  runInboxStoreConformance(
    () => {
      database = new DatabaseSync(join(dir, 'inbox.db'));
      return sqliteInboxStore({ database });
    },
    {
      teardown: () => {
        database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  );
});

const url = serverUrl('DATABASE_URL', 'PostgreSQL inbox store');
describe.skipIf(!url)('postgresInboxStore (pg Pool)', () => {
  let pool: pg.Pool;
  const table = randomTable('conformance');
  runInboxStoreConformance(
    () => {
      pool = new pg.Pool({ connectionString: url, max: 6 });
      return postgresInboxStore({ client: pool, table });
    },
    {
      teardown: async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_watermarks"`);
        await pool.end();
      },
    },
  );
});
