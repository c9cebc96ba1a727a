// The receivers compared by the webhook-inbox suite. Each one is built, by name, inside its own
// receiver process (webhook-inbox-receiver.ts): its heap, GC and event loop hold nothing else.
// Every contender but the floors verifies the Stripe signature; they differ in what happens
// before the 200.

// Libraries are imported by the contender that uses them, so a receiver process loads only its own
// (ten processes each loading BullMQ, pg-boss and pg made the suite's start slow on 2 cores).

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createInbox } from '@brace/webhook-inbox';
import { verifyWebhook } from '@brace/webhook-verify';
import type pg from 'pg';

/** Answers one delivery with a status. */
export type Receive = (body: string, headers: Record<string, string>) => Promise<number>;

/** One receiver: `before`/`after` bracket each of its rounds; `close` ends it. */
export interface Contender {
  receive: Receive;
  before?: () => void;
  after?: () => Promise<void>;
  close: () => Promise<void>;
}

/** What a receiver process is given to build its contender (plain data: it crosses IPC). */
export interface ContenderEnv {
  secret: string;
  /** The run's id: table, queue and event-id suffix. */
  id: string;
  sqliteDir: string;
  databaseUrl: string;
  redisUrl: string;
}

/** A contender by name, and how to build it in the process that serves it. */
export interface ContenderSpec {
  name: string;
  /** The Brace row's floor (same store, one commit per request, no Brace code). */
  floor?: string;
  make: (env: ContenderEnv) => Promise<Contender>;
}

/** Every table the PostgreSQL contenders create for run `id`. */
export const pgTables = (id: string) => {
  const t = `bench_inbox_${id}`;
  return [t, `${t}_watermarks`, `${t}_w`, `${t}_w_watermarks`, `${t}_inline`, `${t}_floor`];
};

const SQLITE_FLOOR = 'floor: one SQLite INSERT (FULL) committed per request, no verify';
const PG_FLOOR = 'floor: one PostgreSQL INSERT committed per request, no verify';

const verifier = (secret: string) => (body: string, headers: Record<string, string>) =>
  verifyWebhook({ body, headers }, { provider: 'stripe', secret });

/** A pg pool that the contender's `close` ends. */
async function pool(env: ContenderEnv): Promise<pg.Pool> {
  const { default: pgModule } = await import('pg');
  const p = new pgModule.Pool({ connectionString: env.databaseUrl, max: 16 });
  await p.query('SELECT 1');
  return p;
}

// SQLite: a WAL file on local disk; SQLite's default synchronous=FULL, then NORMAL. The default
// writer thread commits off the receiver's event loop; the inline writer (every commit on the
// receiving thread) is kept for comparison.
const sqliteBrace = (
  synchronous: 'FULL' | 'NORMAL',
  writer: 'inline' | undefined,
): ContenderSpec => ({
  name: `Brace inbox, SQLite synchronous=${synchronous}${writer === 'inline' ? ', inline writer' : ''} (commit, then 200)`,
  ...(synchronous === 'FULL' ? { floor: SQLITE_FLOOR } : {}),
  make: async (env) => {
    const database = new DatabaseSync(
      join(env.sqliteDir, `inbox-${synchronous}${writer === undefined ? '' : `-${writer}`}.db`),
    );
    const { sqliteInboxStore } = await import('@brace/webhook-inbox/sqlite');
    const store = sqliteInboxStore({ database, synchronous, ...(writer ? { writer } : {}) });
    const inbox = createInbox({
      store,
      providers: { stripe: { secret: env.secret } },
      handlers: {},
    });
    return {
      receive: async (body, headers) => (await inbox.receive('stripe', { body, headers })).status,
      close: async () => {
        await store.close();
        database.close();
      },
    };
  },
});

/** The receivers, in the order the report lists them. */
export const SPECS: ContenderSpec[] = [
  sqliteBrace('FULL', undefined),
  sqliteBrace('FULL', 'inline'),
  sqliteBrace('NORMAL', undefined),
  {
    // The floor: no verification, no inbox; one INSERT committed alone per request, then 200.
    name: SQLITE_FLOOR,
    make: async (env) => {
      const db = new DatabaseSync(join(env.sqliteDir, 'floor.db'));
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec('CREATE TABLE floor (id TEXT PRIMARY KEY, body TEXT)');
      const insert = db.prepare('INSERT INTO floor VALUES (?, ?) ON CONFLICT DO NOTHING');
      let rows = 0;
      return {
        receive: async (body) => {
          insert.run(String(++rows), body);
          return 200;
        },
        close: async () => db.close(),
      };
    },
  },
  {
    name: 'Brace inbox, PostgreSQL (commit, then 200)',
    floor: PG_FLOOR,
    make: async (env) => {
      const p = await pool(env);
      const { postgresInboxStore } = await import('@brace/webhook-inbox/postgres');
      const inbox = createInbox({
        store: postgresInboxStore({ client: p, table: pgTables(env.id)[0]! }),
        providers: { stripe: { secret: env.secret } },
        handlers: {},
      });
      return {
        receive: async (body, headers) => (await inbox.receive('stripe', { body, headers })).status,
        close: () => p.end(),
      };
    },
  },
  {
    // The same, with four handlers draining the table in this process while it receives; after
    // its round they finish the backlog (at most 20 s) before the next contender runs.
    name: 'Brace inbox, PostgreSQL, workers on (commit, then 200)',
    make: async (env) => {
      const p = await pool(env);
      const { postgresInboxStore } = await import('@brace/webhook-inbox/postgres');
      const worked = pgTables(env.id)[2]!;
      const inbox = createInbox({
        store: postgresInboxStore({ client: p, table: worked }),
        providers: { stripe: { secret: env.secret } },
        handlers: { stripe: { '*': async () => {} } },
        pollIntervalMs: 100,
      });
      return {
        receive: async (body, headers) => (await inbox.receive('stripe', { body, headers })).status,
        before: () => inbox.start(),
        after: async () => {
          const until = Date.now() + 20_000;
          while (Date.now() < until) {
            const { rows } = await p.query(
              `SELECT count(*)::int AS n FROM "${worked}" WHERE status IN ('pending', 'processing')`,
            );
            if ((rows[0] as { n: number }).n === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          await inbox.stop({ drainMs: 1_000 });
        },
        close: () => p.end(),
      };
    },
  },
  {
    name: 'inline verify + handle (one INSERT), PostgreSQL',
    make: async (env) => {
      const p = await pool(env);
      const table = pgTables(env.id)[4]!;
      const verify = verifier(env.secret);
      await p.query(`CREATE TABLE "${table}" (id TEXT PRIMARY KEY, body TEXT)`);
      return {
        receive: async (body, headers) => {
          const webhook = await verify(body, headers);
          await p.query(`INSERT INTO "${table}" VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
            webhook.id,
            body,
          ]);
          return 200;
        },
        close: () => p.end(),
      };
    },
  },
  {
    name: PG_FLOOR,
    make: async (env) => {
      const p = await pool(env);
      const table = pgTables(env.id)[5]!;
      await p.query(`CREATE TABLE "${table}" (id TEXT PRIMARY KEY, body TEXT)`);
      let rows = 0;
      return {
        receive: async (body) => {
          await p.query(`INSERT INTO "${table}" VALUES ($1, $2)`, [String(++rows), body]);
          return 200;
        },
        close: () => p.end(),
      };
    },
  },
  {
    name: 'pg-boss: verify + send',
    make: async (env) => {
      const verify = verifier(env.secret);
      const { PgBoss } = await import('pg-boss');
      const boss = new PgBoss({
        connectionString: env.databaseUrl,
        schema: 'pgboss_bench',
        max: 8,
      });
      boss.on('error', () => {});
      await boss.start();
      const queue = `inbox_${env.id}`;
      await boss.createQueue(queue);
      return {
        receive: async (body, headers) => {
          const webhook = await verify(body, headers);
          await boss.send(queue, { body }, { singletonKey: webhook.id });
          return 200;
        },
        close: async () => {
          await boss.deleteQueue(queue);
          await boss.stop({ graceful: false, close: true });
        },
      };
    },
  },
  {
    name: 'BullMQ: verify + add',
    make: async (env) => {
      const verify = verifier(env.secret);
      const { Queue } = await import('bullmq');
      const { Redis } = await import('ioredis');
      const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
      await connection.connect();
      const queue = new Queue(`brace-bench-inbox-${env.id}`, { connection });
      return {
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
      };
    },
  },
];

/** The specs to run: all, or those whose names contain a part of BENCH_INBOX_CONTENDERS (comma-separated). */
export function selectedSpecs(): ContenderSpec[] {
  const only = process.env.BENCH_INBOX_CONTENDERS?.split(',').filter(Boolean);
  if (only === undefined) return SPECS;
  return SPECS.filter((s) => only.some((part) => s.name.includes(part)));
}
