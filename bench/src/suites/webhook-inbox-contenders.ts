// The receivers compared by the webhook-inbox suite, each behind a loopback HTTP server. Every
// contender verifies the Stripe signature; they differ in what happens before the 200.

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createInbox } from '@brace/webhook-inbox';
import { postgresInboxStore } from '@brace/webhook-inbox/postgres';
import { sqliteInboxStore } from '@brace/webhook-inbox/sqlite';
import { verifyWebhook } from '@brace/webhook-verify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { PgBoss } from 'pg-boss';
import { skipped } from '../util.js';

/** Answers one delivery with a status. */
export type Receive = (body: string, headers: Record<string, string>) => Promise<number>;

/** One receiver: `before`/`after` bracket each of its rounds; `close` ends it. */
export interface Contender {
  name: string;
  receive: Receive;
  before?: () => void;
  after?: () => Promise<void>;
  close: () => Promise<void>;
}

/** Builds every contender whose service is up; the rest become notes. */
export async function contenders(options: {
  secret: string;
  id: string;
  sqliteDir: string;
  pool: pg.Pool;
  databaseUrl: string;
  redisUrl: string;
  notes: string[];
}): Promise<Contender[]> {
  const { secret, id, sqliteDir, pool, notes } = options;
  const providers = { stripe: { secret } };
  const verify = (body: string, headers: Record<string, string>) =>
    verifyWebhook({ body, headers }, { provider: 'stripe', secret });
  const list: Contender[] = [];

  // SQLite: a WAL file on local disk; SQLite's default synchronous=FULL, then NORMAL. The
  // default inline writer commits on the receiving thread; the opt-in writer thread commits
  // off the receiver's event loop, kept for comparison.
  const sqlite = [
    ['FULL', undefined],
    ['FULL', 'thread'],
    ['NORMAL', undefined],
  ] as const;
  for (const [synchronous, writer] of sqlite) {
    const database = new DatabaseSync(
      join(sqliteDir, `inbox-${synchronous}${writer === undefined ? '' : `-${writer}`}.db`),
    );
    const store = sqliteInboxStore({ database, synchronous, ...(writer ? { writer } : {}) });
    const inbox = createInbox({ store, providers, handlers: {} });
    list.push({
      name: `Brace inbox, SQLite synchronous=${synchronous}${writer === 'thread' ? ', writer thread' : ''} (commit, then 200)`,
      receive: async (body, headers) => (await inbox.receive('stripe', { body, headers })).status,
      close: async () => {
        await store.close();
        database.close();
      },
    });
  }

  // The floor: no verification, no inbox; one INSERT committed alone per request, then 200.
  const floorDb = new DatabaseSync(join(sqliteDir, 'floor.db'));
  floorDb.exec('PRAGMA journal_mode = WAL');
  floorDb.exec('PRAGMA synchronous = FULL');
  floorDb.exec('CREATE TABLE floor (id TEXT PRIMARY KEY, body TEXT)');
  const floorInsert = floorDb.prepare('INSERT INTO floor VALUES (?, ?) ON CONFLICT DO NOTHING');
  let floorRows = 0;
  list.push({
    name: 'floor: one SQLite INSERT (FULL) committed per request, no verify',
    receive: async (body) => {
      floorInsert.run(String(++floorRows), body);
      return 200;
    },
    close: async () => floorDb.close(),
  });

  const table = `bench_inbox_${id}`;
  try {
    await pool.query('SELECT 1');
    const inbox = createInbox({
      store: postgresInboxStore({ client: pool, table }),
      providers,
      handlers: {},
    });
    list.push({
      name: 'Brace inbox, PostgreSQL (commit, then 200)',
      receive: async (body, headers) => (await inbox.receive('stripe', { body, headers })).status,
      close: async () => {},
    });
    // The same, with four handlers draining the table in this process while it receives; after
    // its round they finish the backlog (at most 20 s) before the next contender runs.
    const worked = `${table}_w`;
    const working = createInbox({
      store: postgresInboxStore({ client: pool, table: worked }),
      providers,
      handlers: { stripe: { '*': async () => {} } },
      pollIntervalMs: 100,
    });
    list.push({
      name: 'Brace inbox, PostgreSQL, workers on (commit, then 200)',
      receive: async (body, headers) => (await working.receive('stripe', { body, headers })).status,
      before: () => working.start(),
      after: async () => {
        const until = Date.now() + 20_000;
        while (Date.now() < until) {
          const { rows } = await pool.query(
            `SELECT count(*)::int AS n FROM "${worked}" WHERE status IN ('pending', 'processing')`,
          );
          if ((rows[0] as { n: number }).n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await working.stop({ drainMs: 1_000 });
      },
      close: async () => {},
    });
    await pool.query(`CREATE TABLE "${table}_inline" (id TEXT PRIMARY KEY, body TEXT)`);
    list.push({
      name: 'inline verify + handle (one INSERT), PostgreSQL',
      receive: async (body, headers) => {
        const webhook = await verify(body, headers);
        await pool.query(`INSERT INTO "${table}_inline" VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
          webhook.id,
          body,
        ]);
        return 200;
      },
      close: async () => {},
    });
    await pool.query(`CREATE TABLE "${table}_floor" (id TEXT PRIMARY KEY, body TEXT)`);
    let floorPg = 0;
    list.push({
      name: 'floor: one PostgreSQL INSERT committed per request, no verify',
      receive: async (body) => {
        await pool.query(`INSERT INTO "${table}_floor" VALUES ($1, $2)`, [String(++floorPg), body]);
        return 200;
      },
      close: async () => {},
    });
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: 'pgboss_bench',
      max: 8,
    });
    boss.on('error', () => {});
    await boss.start();
    const queue = `inbox_${id}`;
    await boss.createQueue(queue);
    list.push({
      name: 'pg-boss: verify + send',
      receive: async (body, headers) => {
        const webhook = await verify(body, headers);
        await boss.send(queue, { body }, { singletonKey: webhook.id });
        return 200;
      },
      close: async () => {
        await boss.deleteQueue(queue);
        await boss.stop({ graceful: false, close: true });
      },
    });
  } catch (error) {
    notes.push(skipped('PostgreSQL contenders', error));
  }

  try {
    const connection = new Redis(options.redisUrl, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    await connection.connect();
    const queue = new Queue(`brace-bench-inbox-${id}`, { connection });
    list.push({
      name: 'BullMQ: verify + add',
      receive: async (body, headers) => {
        const webhook = await verify(body, headers);
        await queue.add('stripe', { body }, { deduplication: { id: webhook.id ?? body } });
        return 200;
      },
      close: async () => {
        await queue.obliterate({ force: true });
        await queue.close();
        connection.disconnect();
      },
    });
  } catch (error) {
    notes.push(skipped('BullMQ', error));
  }
  // BENCH_INBOX_CONTENDERS=SQLite,PostgreSQL (substrings of names) runs only those.
  const only = process.env.BENCH_INBOX_CONTENDERS?.split(',').filter(Boolean);
  if (only === undefined) return list;
  const kept = list.filter((c) => only.some((part) => c.name.includes(part)));
  for (const c of list) if (!kept.includes(c)) await c.close();
  return kept;
}
