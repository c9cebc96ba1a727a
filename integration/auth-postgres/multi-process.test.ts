import { fileURLToPath } from 'node:url';
import { postgresTokenStore } from '@brace/auth-postgres';
import pg from 'pg';
import { randomTable, serverUrl } from '../../packages/auth-postgres/src/test-utils/env.js';
import { describeMultiProcessStore } from '../auth/test-utils/multi-process-suite.js';

const url = serverUrl('DATABASE_URL', 'multi-process PostgreSQL');
const table = randomTable('mp');
let pool: pg.Pool | undefined;

describeMultiProcessStore({
  name: 'PostgreSQL',
  tag: 'auth-postgres',
  url,
  workerEntry: fileURLToPath(new URL('./worker.ts', import.meta.url)),
  env: { DATABASE_URL: url as string, AUTH_TEST_TABLE: table },
  async setUp() {
    pool = new pg.Pool({ connectionString: url as string, max: 2 });
    await postgresTokenStore({ client: pool, table }).migrate();
  },
  async tearDown() {
    await pool?.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool?.end();
  },
});
