import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from './inbox.js';
import { memoryInboxStore } from './memory-store.js';
import { postgresInboxStore } from './postgres.js';
import { sqliteInboxStore } from './sqlite.js';
import { randomTable, serverUrl } from './test-utils/env.js';
import {
  clockAt,
  newEvent,
  STRIPE_SECRET,
  stripeEvent,
  stripeRequest,
} from './test-utils/fixtures.js';

const event = newEvent;

describe('handler context', () => {
  it('gives no transaction with stores that have none, and payload undefined for a non-JSON body', async () => {
    const seen: unknown[] = [];
    for (const store of [
      memoryInboxStore(),
      sqliteInboxStore({ database: new DatabaseSync(':memory:') }),
    ]) {
      const inbox = createInbox({
        store,
        clock: clockAt(),
        providers: { stripe: { secret: 's' } },
        handlers: {
          stripe: { '*': (e, context) => void seen.push([e.payload, context.transaction]) },
        },
      });
      await store.insert(event('nj', 'not json'));
      await inbox.runOnce();
    }
    expect(seen).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });

  it('rethrows configuration errors of the verifier (they are bugs, not deliveries)', async () => {
    const inbox = createInbox({
      store: memoryInboxStore(),
      providers: { stripe: { secret: STRIPE_SECRET, toleranceSec: -1 } },
      handlers: {},
    });
    await expect(
      inbox.receive('stripe', await stripeRequest(stripeEvent('e'))),
    ).rejects.toMatchObject({ code: 'INVALID_WEBHOOK_OPTIONS' });
  });
});

const url = serverUrl('DATABASE_URL', 'PostgreSQL handler transactions');
describe.skipIf(!url)('handler transactions on PostgreSQL', () => {
  let pool: pg.Pool;
  const table = randomTable('tx');
  const effects = `${table}_effects`;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`CREATE TABLE "${effects}" (event_id TEXT)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_watermarks", "${effects}"`);
    await pool.end();
  });

  it('commits the business write with "done"; an error after the commit changes nothing; an error inside rolls both back', async () => {
    const store = postgresInboxStore({ client: pool, table });
    const log: string[] = [];
    const inbox = createInbox({
      store,
      clock: clockAt(),
      random: () => 0,
      providers: { stripe: { secret: 's' } },
      onProcessed: (e) =>
        log.push(`processed ${e.id}${e.lateError ? ` late: ${e.lateError.message}` : ''}`),
      onRetry: (e) => log.push(`retry ${e.id} ${e.error.message}`),
      handlers: {
        stripe: {
          '*': async (e, { transaction }) => {
            await transaction!(async (tx) => {
              await tx.query(`INSERT INTO "${effects}" VALUES ($1)`, [e.eventId]);
              if (e.eventId === 'inside') throw new Error('failed inside the transaction');
            });
            if (e.eventId === 'after') throw new Error('failed after the commit');
          },
        },
      },
    });
    for (const id of ['ok', 'after', 'inside']) await store.insert(event(id));
    await inbox.runOnce();
    const { rows } = await pool.query(`SELECT event_id FROM "${effects}" ORDER BY event_id`);
    expect(rows).toEqual([{ event_id: 'after' }, { event_id: 'ok' }]);
    expect((await store.get('stripe:ok'))?.status).toBe('done');
    expect((await store.get('stripe:after'))?.status).toBe('done');
    expect((await store.get('stripe:inside'))?.status).toBe('pending');
    expect(log.sort()).toEqual([
      'processed stripe:after late: failed after the commit',
      'processed stripe:ok',
      'retry stripe:inside failed inside the transaction',
    ]);
  });

  it('records a handler error whose message holds a NUL character (JSONB refuses \\u0000)', async () => {
    const store = postgresInboxStore({ client: pool, table });
    const errors: string[] = [];
    const inbox = createInbox({
      store,
      clock: clockAt(),
      random: () => 0,
      providers: { stripe: { secret: 's' } },
      onStoreError: (e) => errors.push(e.operation),
      handlers: {
        stripe: {
          '*': async () => {
            throw new Error('bad byte \u0000 in the input');
          },
        },
      },
    });
    await store.insert(event('nul'));
    await inbox.runOnce();
    expect(errors).toEqual([]);
    const stored = await store.get('stripe:nul');
    expect(stored?.status).toBe('pending');
    expect(stored?.errors[0]?.message).toBe('bad byte \ufffd in the input');
  });

  it('records a long handler error cut inside a surrogate pair (an emoji at character 500)', async () => {
    const store = postgresInboxStore({ client: pool, table });
    const errors: string[] = [];
    const inbox = createInbox({
      store,
      clock: clockAt(),
      random: () => 0,
      providers: { stripe: { secret: 's' } },
      onStoreError: (e) => errors.push(e.operation),
      handlers: {
        stripe: {
          '*': async () => {
            throw new Error(`${'a'.repeat(499)}😀 and more`);
          },
        },
      },
    });
    await store.insert(event('emoji'));
    await inbox.runOnce();
    expect(errors).toEqual([]);
    const stored = await store.get('stripe:emoji');
    expect(stored?.errors[0]?.message).toBe(`${'a'.repeat(499)}\ufffd…`);
  });
});
