// @brace/webhook-inbox: acknowledgement latency. An open-loop sender in a worker thread (so it
// never competes with the receiver's event loop) delivers signed Stripe webhooks at a fixed rate
// (1,000/s, each at its own scheduled time) to a loopback receiver; each receiver verifies the
// signature and answers 200. Contenders differ only in what happens before the 200:
//   - Brace inbox on PostgreSQL / on SQLite: the event is committed (deduplicated) first, with
//     group commit (the default); SQLite with its default synchronous=FULL and with NORMAL;
//   - the same on PostgreSQL with the inbox's workers running in the receiving process;
//   - inline: verify and run the handler (one INSERT) inside the request;
//   - BullMQ: verify and enqueue into Redis;  - pg-boss: verify and enqueue into PostgreSQL.
// Workers are off in every row but the one that says "workers on": the ack path is measured
// alone, then with four handlers draining the same store in the same process.
// Figures: p50 and p99 time to the 2xx, and whether the rate was sustained.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createInbox } from '@brace/webhook-inbox';
import { postgresInboxStore } from '@brace/webhook-inbox/postgres';
import { sqliteInboxStore } from '@brace/webhook-inbox/sqlite';
import { signWebhook, verifyWebhook } from '@brace/webhook-verify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { runId, skipped } from '../util.js';
import { sendOpenLoop } from './open-loop-sender.js';

const SUITE = 'webhook-inbox';
const SECRET = 'whsec_bench_inbox_secret';
const RATE = 1_000;

type Receive = (body: string, headers: Record<string, string>) => Promise<number>;

interface Row {
  name: string;
  sent: number;
  ok: number;
  p50: number;
  p99: number;
  achieved: number;
  maxLagMs: number;
}

async function serve(receive: Receive): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const status = await receive(
        Buffer.concat(chunks).toString('utf8'),
        req.headers as Record<string, string>,
      );
      res.writeHead(status).end();
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Sends the pre-signed deliveries at RATE per second from a worker thread, open loop. */
async function drive(
  name: string,
  url: string,
  deliveries: Array<{ body: string; headers: Record<string, string> }>,
): Promise<Row> {
  const out = await sendOpenLoop({ url, rate: RATE, deliveries });
  return {
    name,
    sent: deliveries.length,
    ok: out.ok,
    p50: quantile(out.latencies, 0.5),
    p99: quantile(out.latencies, 0.99),
    achieved: deliveries.length / out.seconds,
    maxLagMs: out.maxLagMs,
  };
}

const suite: Suite = async (ctx) => {
  const count = ctx.smoke ? 50 : ctx.quick ? 2_000 : 10_000;
  const id = runId();
  const sign = (prefix: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const body = JSON.stringify({
          id: `${prefix}_${id}_${i}`,
          type: 'invoice.paid',
          created: 1,
          data: { object: { id: `in_${i}` } },
        });
        const signed = await signWebhook({ provider: 'stripe', secret: SECRET, body });
        return { body, headers: signed.headers };
      }),
    );
  const deliveries = await sign('evt', count);
  let warmups = 0;
  const rows: Row[] = [];
  const notes: string[] = [];
  const verify = (body: string, headers: Record<string, string>) =>
    verifyWebhook({ body, headers }, { provider: 'stripe', secret: SECRET });
  const run = async (name: string, receive: Receive) => {
    const server = await serve(receive);
    try {
      // Warm-up: a tenth of the run with other event ids, not counted.
      await drive(name, server.url, await sign(`warm${warmups++}`, Math.max(10, count / 10)));
      rows.push(await drive(name, server.url, deliveries));
    } finally {
      await server.close();
    }
  };

  const sqliteDir = mkdtempSync(join(tmpdir(), 'brace-bench-inbox-'));
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 16 });
  const table = `bench_inbox_${id}`;
  try {
    // SQLite: a WAL file on local disk; SQLite's default synchronous=FULL, then NORMAL.
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const database = new DatabaseSync(join(sqliteDir, `inbox-${synchronous}.db`));
      const sqliteInbox = createInbox({
        store: sqliteInboxStore({ database, synchronous }),
        providers: { stripe: { secret: SECRET } },
        handlers: {},
      });
      await run(
        `Brace inbox, SQLite synchronous=${synchronous} (commit, then 200)`,
        async (body, headers) => (await sqliteInbox.receive('stripe', { body, headers })).status,
      );
      database.close();
    }
    try {
      await pool.query('SELECT 1');
      const pgInbox = createInbox({
        store: postgresInboxStore({ client: pool, table }),
        providers: { stripe: { secret: SECRET } },
        handlers: {},
      });
      await run(
        'Brace inbox, PostgreSQL (commit, then 200)',
        async (body, headers) => (await pgInbox.receive('stripe', { body, headers })).status,
      );
      // The same, with four handlers draining the table in this process while it receives.
      const working = createInbox({
        store: postgresInboxStore({ client: pool, table: `${table}_w` }),
        providers: { stripe: { secret: SECRET } },
        handlers: { stripe: { '*': async () => {} } },
        pollIntervalMs: 100,
      });
      working.start();
      try {
        await run(
          'Brace inbox, PostgreSQL, workers on (commit, then 200)',
          async (body, headers) => (await working.receive('stripe', { body, headers })).status,
        );
      } finally {
        await working.stop({ drainMs: 1_000 });
      }
      await pool.query(`CREATE TABLE "${table}_inline" (id TEXT PRIMARY KEY, body TEXT)`);
      await run('inline verify + handle (one INSERT), PostgreSQL', async (body, headers) => {
        const webhook = await verify(body, headers);
        await pool.query(`INSERT INTO "${table}_inline" VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
          webhook.id,
          body,
        ]);
        return 200;
      });
      const boss = new PgBoss({
        connectionString: ctx.databaseUrl,
        schema: `pgboss_bench`,
        max: 8,
      });
      boss.on('error', () => {});
      await boss.start();
      const queue = `inbox_${id}`;
      await boss.createQueue(queue);
      await run('pg-boss: verify + send', async (body, headers) => {
        const webhook = await verify(body, headers);
        await boss.send(queue, { body }, { singletonKey: webhook.id });
        return 200;
      });
      await boss.deleteQueue(queue);
      await boss.stop({ graceful: false, close: true });
    } catch (error) {
      notes.push(skipped('PostgreSQL contenders', error));
    }
    try {
      const connection = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
      await connection.connect();
      const queue = new Queue(`brace-bench-inbox-${id}`, { connection });
      await run('BullMQ: verify + add', async (body, headers) => {
        const webhook = await verify(body, headers);
        await queue.add('stripe', { body }, { deduplication: { id: webhook.id ?? body } });
        return 200;
      });
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    } catch (error) {
      notes.push(skipped('BullMQ', error));
    }
  } finally {
    await pool
      .query(
        `DROP TABLE IF EXISTS "${table}", "${table}_watermarks", "${table}_w", "${table}_w_watermarks", "${table}_inline"`,
      )
      .catch(() => {});
    await pool.end();
    rmSync(sqliteDir, { recursive: true, force: true });
  }

  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  const table_ = [
    `${count.toLocaleString('en-US')} signed Stripe deliveries at ${RATE}/s (open loop: each sent at its scheduled time from a worker thread, whatever the answers) to a loopback receiver; time from send to the 2xx. Workers are off except in the "workers on" row. Group commit is on (the default). Max lag: how far the sender fell behind its schedule.`,
    '',
    '| receiver | 200s | p50 | p99 | achieved rate | max lag |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.ok}/${r.sent} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${Math.round(r.achieved)}/s | ${fmt(r.maxLagMs)} |`,
    ),
    ...notes,
  ].join('\n');
  const targeted = rows.filter(
    (row) =>
      row.name.startsWith('Brace') && !row.name.includes('NORMAL') && !row.name.includes('workers'),
  );
  for (const r of targeted) {
    const store = r.name.includes('SQLite') ? 'SQLite (synchronous=FULL)' : 'PostgreSQL';
    target(
      SUITE,
      `p99 time to the 2xx ≤ 20 ms at 1,000 deliveries/s, event committed first (${store})`,
      `${fmt(r.p99)} (${r.ok}/${r.sent} answered 200)`,
      r.p99 <= 20 && r.ok === r.sent,
    );
  }
  return { title: SUITE, workloads: [], extra: table_, libraries: ['bullmq', 'pg-boss', 'pg'] };
};

export default suite;
