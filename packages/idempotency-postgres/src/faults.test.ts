import { manualClock } from '@brace/core';
import { IdempotencyStoreError as SharedStoreError } from '@brace/idempotency';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IdempotencyStoreError,
  type PostgresIdempotencyStore,
  postgresSchema,
  postgresStore,
} from './index.js';
import { randomTable, serverUrl } from './test-utils/env.js';

const url = serverUrl('DATABASE_URL', 'PostgreSQL fault');
const stored = { status: 201, headers: [] as Array<[string, string]>, body: new Uint8Array([7]) };

async function rejection(promise: Promise<unknown>): Promise<IdempotencyStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdempotencyStoreError);
  // One class for every adapter, exported by @brace/idempotency.
  expect(error).toBeInstanceOf(SharedStoreError);
  expect((error as IdempotencyStoreError).store).toBe('PostgreSQL');
  return error as IdempotencyStoreError;
}

/**
 * Runs the work the way a server would: claim, run, store. Counts executions so a test can
 * show the work never runs twice for one claim.
 */
function worker(store: PostgresIdempotencyStore, where: { scope: string; key: string }) {
  const options = { lockTtlMs: 500, ttlMs: 60_000 };
  const state = { executions: 0 };
  async function attempt(): Promise<string> {
    const result = await store.begin(where, 'fp', options);
    if (result.status === 'acquired') {
      state.executions += 1;
      expect(await store.complete(where, result.token, stored, { ttlMs: 60_000 })).toBe(true);
    }
    return result.status;
  }
  return { state, options, attempt };
}

describe.skipIf(!url)('on a real server', () => {
  const table = randomTable('faults');
  // A pool: the healthy workers below run concurrently (pg deprecates overlapping queries on one Client).
  let admin: pg.Pool;
  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: url, max: 4 });
    await postgresStore({ client: admin, table }).migrate();
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    await admin.end();
  });

  async function connect(): Promise<{ client: pg.Client; pid: number }> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {}); // a terminated backend is reported here too
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, pid: (rows[0] as { pid: number }).pid };
  }

  /** Resolves once backend `pid` is waiting on a lock. */
  async function waitingOnLock(pid: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const { rows } = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
        [pid],
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`backend ${pid} never waited on a lock`);
  }

  it('pg_terminate_backend between begin and complete: typed error, claimable after lockTtlMs, work runs once per claim', async () => {
    const clock = manualClock({ now: 0 });
    const where = { scope: crypto.randomUUID(), key: 'k' };
    const victim = await connect();
    const dying = postgresStore({ client: victim.client, table, clock });
    const begun = await dying.begin(where, 'fp', { lockTtlMs: 500, ttlMs: 60_000 });
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    let firstRun = 1; // the work runs under the claim

    const { rows } = await admin.query('SELECT pg_terminate_backend($1) AS killed', [victim.pid]);
    expect(rows).toEqual([{ killed: true }]);
    const error = await rejection(dying.complete(where, begun.token, stored, { ttlMs: 60_000 }));
    expect(error.operation).toBe('complete');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).not.toContain(begun.token);

    const healthy = worker(postgresStore({ client: admin, table, clock }), where);
    // While the dead claim's lock holds, retries never run the work.
    expect(await Promise.all([healthy.attempt(), healthy.attempt()])).toEqual([
      'in-progress',
      'in-progress',
    ]);
    expect(firstRun + healthy.state.executions).toBe(1);
    await clock.advance(500);
    // Then exactly one of the concurrent retries takes over; later ones replay.
    const statuses = await Promise.all([healthy.attempt(), healthy.attempt(), healthy.attempt()]);
    expect(statuses.filter((s) => s === 'acquired')).toHaveLength(1);
    expect(await healthy.attempt()).toBe('completed');
    firstRun += healthy.state.executions;
    expect(firstRun).toBe(2);
    expect(
      await postgresStore({ client: admin, table, clock }).complete(where, begun.token, stored, {
        ttlMs: 1,
      }),
    ).toBe(false);
  });

  it('a row committed after the claim statement began is seen by the next run of the statement', async () => {
    const where = { scope: crypto.randomUUID(), key: 'k' };
    const other = await connect();
    const mine = await connect();
    const store = postgresStore({ client: mine.client, table });
    try {
      // Another transaction inserts the claim but has not committed yet.
      await other.client.query('BEGIN');
      await other.client.query(
        `INSERT INTO "${table}" (scope, key, fingerprint, status, owner_token, locked_until, expires_at)
         VALUES ($1, $2, 'fp', 'in-progress', 'theirs', now() + interval '1 hour', now() + interval '1 day')`,
        [where.scope, where.key],
      );
      const begun = store.begin(where, 'fp', { lockTtlMs: 30_000, ttlMs: 60_000 });
      await waitingOnLock(mine.pid);
      await other.client.query('COMMIT');
      // The first run's snapshot predates the commit: it retries and reports the claim.
      const result = await begun;
      expect(result.status).toBe('in-progress');
    } finally {
      await other.client.end();
      await mine.client.end();
    }
  });

  it.each([
    [
      'an in-progress claim whose lock expired',
      `'in-progress'`,
      `now() - interval '1 second'`,
      `now() + interval '1 day'`,
    ],
    [
      'an expired completed record',
      `'completed'`,
      `now() - interval '1 day'`,
      `now() - interval '1 second'`,
    ],
  ])(
    'a takeover of %s committed after the claim statement began is not mistaken for a free key',
    async (_, status, lockedUntil, expiresAt) => {
      const where = { scope: crypto.randomUUID(), key: 'k' };
      const other = await connect();
      const mine = await connect();
      const store = postgresStore({ client: mine.client, table });
      try {
        await admin.query(
          `INSERT INTO "${table}" (scope, key, fingerprint, status, owner_token, locked_until, expires_at)
         VALUES ($1, $2, 'fp', ${status}, 'old', ${lockedUntil}, ${expiresAt})`,
          [where.scope, where.key],
        );
        // Another transaction takes the key over but has not committed yet.
        await other.client.query('BEGIN');
        await other.client.query(
          `UPDATE "${table}" SET status = 'in-progress', owner_token = 'new',
           locked_until = now() + interval '1 hour', expires_at = now() + interval '1 day'
         WHERE scope = $1 AND key = $2`,
          [where.scope, where.key],
        );
        const begun = store.begin(where, 'fp', { lockTtlMs: 30_000, ttlMs: 60_000 });
        await waitingOnLock(mine.pid);
        await other.client.query('COMMIT');
        // The first run's snapshot shows the old, claimable row: it runs again and sees the new owner.
        expect((await begun).status).toBe('in-progress');
        const { rows } = await admin.query(`SELECT owner_token FROM "${table}" WHERE scope = $1`, [
          where.scope,
        ]);
        expect(rows).toEqual([{ owner_token: 'new' }]);
      } finally {
        await other.client.end();
        await mine.client.end();
      }
    },
  );
  it('migrate racing the same migration in another process (table, then index) still succeeds', async () => {
    // Two replicas starting at once both run CREATE … IF NOT EXISTS: neither sees the other's
    // uncommitted object, and the later one fails on a catalog unique index (23505) once the
    // first commits. The other process is held open in a transaction, so the race happens
    // every time: first on the table, then (on a table that exists) on its index.
    const raced = [randomTable('migrate_race_table'), randomTable('migrate_race_index')];
    const other = await connect();
    const mine = await connect();
    try {
      for (const [step, table] of raced.entries()) {
        const statements = postgresSchema(table);
        if (step === 1) await admin.query(statements[0] as string);
        const store = postgresStore({ client: mine.client, table });
        await other.client.query('BEGIN');
        await other.client.query(statements[step] as string);
        const migrated = store.migrate();
        await waitingOnLock(mine.pid);
        await other.client.query('COMMIT');
        await migrated;
        const where = { scope: 's', key: 'k' };
        const begun = await store.begin(where, 'fp', { lockTtlMs: 1000, ttlMs: 1000 });
        expect(begun.status).toBe('acquired');
      }
    } finally {
      await other.client.end();
      await mine.client.end();
      for (const table of raced) await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  });
});
