import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxStoreError } from './errors.js';
import { type InboxPostgresClient, postgresInboxStore } from './postgres.js';
import { randomTable, serverUrl } from './test-utils/env.js';
import { T0, withResolvers } from './test-utils/fixtures.js';

// A claim whose answer arrives after operationTimeoutMs: the server committed it, the worker
// gave up. Its events must not sit "processing" under a lease nobody holds until it expires.
const url = serverUrl('DATABASE_URL', 'PostgreSQL claim timeout');
describe.skipIf(!url)('PostgreSQL: a claim that times out after the server committed it', () => {
  let pool: pg.Pool;
  const table = randomTable('claim');
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_watermarks"`);
    await pool.end();
  });

  it('gives the events back once the late answer arrives: claimable at once, the attempt not counted', async () => {
    const gate = withResolvers();
    const answered = withResolvers();
    let delayClaims = true;
    // The claim runs and commits on the server; its answer is held back past the timeout.
    const client: InboxPostgresClient = {
      query: (text, params) => {
        const result = pool.query(text, params);
        if (!delayClaims || !text.startsWith('WITH c AS')) return result;
        return result.then(async (r) => {
          answered.resolve();
          await gate.promise;
          return r;
        });
      },
    };
    // Stored through a store without the short limit (a loaded machine may take longer to create the table).
    await postgresInboxStore({ client: pool, table }).insert({
      provider: 'stripe',
      eventId: 'evt_late',
      type: 'invoice.paid',
      payload: '{}',
      receivedAt: T0,
      orderAt: T0,
      source: 'delivery',
    });
    const store = postgresInboxStore({ client, table, operationTimeoutMs: 1_000 });
    const claim = { now: T0, leaseMs: 3_600_000, limit: 5, ordered: false };
    const error = await store.claim({ ...claim, worker: 'w1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InboxStoreError);
    expect(error).toMatchObject({ code: 'INBOX_STORE_FAILED', operation: 'claim' });
    await answered.promise;
    // Committed on the server: held under w1's lease for an hour, though w1 never got it.
    expect(await store.get('stripe:evt_late')).toMatchObject({ status: 'processing', attempts: 1 });
    delayClaims = false;
    gate.resolve(); // the late answer arrives: the store gives back what that lease took
    let row = await store.get('stripe:evt_late');
    for (let i = 0; i < 100 && row?.status !== 'pending'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      row = await store.get('stripe:evt_late');
    }
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    const [taken] = await store.claim({ ...claim, worker: 'w2' });
    expect(taken).toMatchObject({ id: 'stripe:evt_late', attempts: 1 });
    expect(taken?.lease.startsWith('w2:')).toBe(true);
  });

  it('a claim that fails outright gives back nothing it did not take', async () => {
    const client: InboxPostgresClient = {
      query: (text, params) =>
        text.startsWith('WITH c AS')
          ? Promise.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }))
          : pool.query(text, params),
    };
    const store = postgresInboxStore({ client, table });
    await expect(
      store.claim({ worker: 'w3', now: T0, leaseMs: 1_000, limit: 1, ordered: false }),
    ).rejects.toMatchObject({ operation: 'claim' });
    // w2 still holds evt_late: the release matched only w3's lease token.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { rows } = await pool.query(`SELECT status, lease FROM "${table}"`);
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('processing');
    expect(String(rows[0].lease).startsWith('w2:')).toBe(true);
  });
});
