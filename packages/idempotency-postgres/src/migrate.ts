// `migrate`: the schema's statements, tolerant of another process creating them at once.
import type { PostgresClient } from './client.js';
import { storeError } from './errors.js';
import { postgresSchema } from './schema.js';

/** How often `migrate` runs a statement that lost a creation race (see {@link isCreateRace}). */
const MAX_MIGRATE_ATTEMPTS = 5;

/**
 * SQLSTATEs of `CREATE … IF NOT EXISTS` racing the same statement in another session: both
 * miss the object, and the later one then fails on a catalog unique index (23505, e.g.
 * `pg_type_typname_nsp_index`) or finds the name taken (42P07 duplicate table, 42710
 * duplicate object). Either way the object now exists.
 */
const CREATE_RACE = new Set(['23505', '42P07', '42710']);

function isCreateRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CREATE_RACE.has(code);
}

/** Runs the schema's statements on `client`, each again if it lost a creation race. */
export async function migrate(client: PostgresClient, table: string): Promise<void> {
  for (const text of postgresSchema(table)) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(text, []);
        break;
      } catch (error) {
        // Another process created the same table or index at the same moment: its
        // transaction has committed, so the next `IF NOT EXISTS` sees the object.
        if (attempt < MAX_MIGRATE_ATTEMPTS && isCreateRace(error)) continue;
        throw storeError('migrate', error);
      }
    }
  }
}
