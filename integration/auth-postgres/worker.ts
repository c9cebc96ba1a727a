// A multi-process test worker on the PostgreSQL store (bundled and spawned by the tests).

import { postgresTokenStore } from '@brace/auth-postgres';
import pg from 'pg';
import { runChild } from '../auth/test-utils/child-main.js';

await runChild(async () => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL as string, max: 4 });
  return {
    store: postgresTokenStore({ client: pool, table: process.env.AUTH_TEST_TABLE as string }),
    close: () => pool.end(),
  };
});
