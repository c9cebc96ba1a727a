import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describeMultiProcessStore } from '../../auth/src/test-utils/multi-process-suite.js';
import { postgresTokenStore } from './index.js';
import { randomTable, serverUrl } from './test-utils/env.js';

const url = serverUrl('DATABASE_URL', 'multi-process PostgreSQL');
const table = randomTable('mp');
let pool: pg.Pool | undefined;

describeMultiProcessStore({
  name: 'PostgreSQL',
  tag: 'auth-postgres',
  url,
  workerEntry: fileURLToPath(new URL('./test-utils/worker.ts', import.meta.url)),
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
