// @brace/webhook-inbox: acknowledgement latency. An open-loop sender in a child process (so it
// never competes with the receiver's event loop, heap or GC) delivers signed Stripe webhooks at a fixed rate
// (1,000/s, each at its own scheduled time) to a loopback receiver; each receiver verifies the
// signature and answers 200. Contenders differ only in what happens before the 200:
//   - Brace inbox on PostgreSQL / on SQLite: the event is committed (deduplicated) first, with
//     group commit (the default); SQLite with its default synchronous=FULL and with NORMAL, with
//     the default inline writer and, FULL only, with the opt-in writer thread;
//   - the same on PostgreSQL with the inbox's workers running in the receiving process;
//   - inline: verify and run the handler (one INSERT) inside the request;
//   - BullMQ: verify and enqueue into Redis;  - pg-boss: verify and enqueue into PostgreSQL.
// Workers are off in every row but the one that says "workers on": the ack path is measured
// alone, then with four handlers draining the same store in the same process.
// Contenders run interleaved, round by round (the order rotating), so load from the rest of the
// machine hits them alike; each figure is the median over the rounds.
// Latency is from the actual send (not the scheduled time: the sender's lag is reported apart)
// to the moment the receiver wrote its 2xx (stamped by the server on the machine's monotonic
// clock, which the sender's process reads alike), so the time an answer waits for the sender's own event loop is not counted
// against the receiver; the sender-observed p99, the handler's own p99 and both processes'
// event-loop delay are shown beside it.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { signWebhook } from '@brace/webhook-verify';
import pg from 'pg';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { runId } from '../util.js';
import { ANSWERED_AT, absoluteNow, sendOpenLoop } from './open-loop-sender.js';
import { type Contender, contenders, type Receive } from './webhook-inbox-contenders.js';

const SUITE = 'webhook-inbox';
const SECRET = 'whsec_bench_inbox_secret';
const RATE = 1_000;

interface Round {
  ok: number;
  sent: number;
  p50: number;
  p99: number;
  /** p99 as the sender's event loop observed the answers (includes the sender's own delays). */
  observedP99: number;
  /** p99 from the request's arrival in the handler to its answer (verify + commit). */
  insideP99: number;
  achieved: number;
  maxLagMs: number;
  senderLoopMaxMs: number;
  senderCpuUs: number;
  receiverLoopP99Ms: number;
  receiverLoopMaxMs: number;
  /** CPU time of the receiving process (every thread of it) per delivery, µs. */
  cpuUs: number;
  /** The receiving process's GC during the round: total and longest pause, ms. */
  gcMs: number;
  gcMaxMs: number;
  others: Record<string, number>;
}

interface Served {
  url: string;
  /** Handler time of each answered request since the last call, ms (and resets it). */
  take(): number[];
  close(): Promise<void>;
}

async function serve(receive: Receive): Promise<Served> {
  let inside: number[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const status = await receive(
        Buffer.concat(chunks).toString('utf8'),
        req.headers as Record<string, string>,
      );
      inside.push(performance.now() - t0);
      res.writeHead(status, { [ANSWERED_AT]: String(absoluteNow()) }).end();
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    take: () => {
      const taken = inside.sort((a, b) => a - b);
      inside = [];
      return taken;
    },
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

const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

const suite: Suite = async (ctx) => {
  const rounds = ctx.smoke ? 1 : ctx.quick ? 3 : 5;
  const perRound = ctx.smoke ? 50 : ctx.quick ? 700 : 2_000;
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
  const notes: string[] = [];
  const sqliteDir = mkdtempSync(join(tmpdir(), 'brace-bench-inbox-'));
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 16 });
  const table = `bench_inbox_${id}`;
  const results = new Map<string, Round[]>();
  let list: Contender[] = [];
  const servers: Served[] = [];
  try {
    list = await contenders({
      secret: SECRET,
      id,
      sqliteDir,
      pool,
      databaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      notes,
    });
    for (const c of list) servers.push(await serve(c.receive));
    const drive = async (k: number, prefix: string, n: number): Promise<Round> => {
      const c = list[k]!;
      const deliveries = await sign(prefix, n);
      c.before?.();
      servers[k]!.take();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const gc = { ms: 0, max: 0 };
      const gcs = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          gc.ms += entry.duration;
          gc.max = Math.max(gc.max, entry.duration);
        }
      });
      gcs.observe({ entryTypes: ['gc'] });
      const cpu = process.cpuUsage();
      const out = await sendOpenLoop({ url: servers[k]!.url, rate: RATE, deliveries });
      const used = process.cpuUsage(cpu);
      gcs.disconnect();
      loop.disable();
      const inside = servers[k]!.take();
      await c.after?.();
      return {
        ok: out.ok,
        sent: n,
        p50: quantile(out.answered, 0.5),
        p99: out.answered.length === n ? quantile(out.answered, 0.99) : Number.POSITIVE_INFINITY,
        observedP99: quantile(out.latencies, 0.99),
        insideP99: quantile(inside, 0.99),
        achieved: n / out.seconds,
        maxLagMs: out.maxLagMs,
        senderLoopMaxMs: out.loopDelayMaxMs,
        senderCpuUs: out.cpuUs,
        receiverLoopP99Ms: loop.percentile(99) / 1e6,
        receiverLoopMaxMs: loop.max / 1e6,
        cpuUs: (used.user + used.system) / n,
        gcMs: gc.ms,
        gcMaxMs: gc.max,
        others: out.others,
      };
    };
    // Warm-up: one short round each with other event ids, not counted.
    for (let k = 0; k < list.length; k++) await drive(k, `warm${k}`, Math.min(200, perRound));
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < list.length; j++) {
        const k = (j + r) % list.length;
        const round = await drive(k, `c${k}r${r}`, perRound);
        results.set(list[k]!.name, [...(results.get(list[k]!.name) ?? []), round]);
      }
    }
  } finally {
    for (const server of servers) await server.close();
    for (const c of list) await c.close().catch(() => {});
    await pool
      .query(
        `DROP TABLE IF EXISTS "${table}", "${table}_watermarks", "${table}_w", "${table}_w_watermarks", "${table}_inline", "${table}_floor"`,
      )
      .catch(() => {});
    await pool.end();
    rmSync(sqliteDir, { recursive: true, force: true });
  }

  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  const rows = [...results].map(([name, rs]) => {
    const others: Record<string, number> = {};
    for (const r of rs)
      for (const [key, n] of Object.entries(r.others)) others[key] = (others[key] ?? 0) + n;
    return {
      name,
      ok: rs.reduce((a, r) => a + r.ok, 0),
      sent: rs.reduce((a, r) => a + r.sent, 0),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      p99min: Math.min(...rs.map((r) => r.p99)),
      p99max: Math.max(...rs.map((r) => r.p99)),
      observedP99: median(rs.map((r) => r.observedP99)),
      insideP99: median(rs.map((r) => r.insideP99)),
      achieved: median(rs.map((r) => r.achieved)),
      maxLagMs: Math.max(...rs.map((r) => r.maxLagMs)),
      senderLoopMaxMs: Math.max(...rs.map((r) => r.senderLoopMaxMs)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
      senderCpuUs: median(rs.map((r) => r.senderCpuUs)),
      gc: `${fmt(median(rs.map((r) => r.gcMs)))} / ${fmt(Math.max(...rs.map((r) => r.gcMaxMs)))}`,
      receiverLoop: `${fmt(median(rs.map((r) => r.receiverLoopP99Ms)))} / ${fmt(Math.max(...rs.map((r) => r.receiverLoopMaxMs)))}`,
      others: Object.entries(others)
        .map(([key, n]) => `${key}×${n}`)
        .join(', '),
    };
  });
  const table_ = [
    `${rounds} rounds × ${perRound.toLocaleString('en-US')} signed Stripe deliveries per receiver at ${RATE}/s (open loop: each sent at its scheduled time from a child process, whatever the answers) to a loopback receiver. **p50/p99: from the actual send to the moment the receiver wrote its 2xx** (the server stamps the answer with the machine's monotonic clock, which the sender process reads too; every wait of the request in the receiver's queues counts, the time the answer then waited for the sender's own event loop does not). Observed p99: the same until the sender's event loop saw the answer (the provider's view; includes the sender's own delays). Handler p99: request in the handler to its answer (verify + commit). Receivers run interleaved, the order rotating each round; p50, p99 and rate are medians over the rounds. Workers are off except in the "workers on" row. Group commit is on (the default). Lag: how far the sender fell behind its schedule (not counted in the latencies); sender / receiver loop: their event-loop delay (monitorEventLoopDelay; receiver: median p99 / max) — a sign the machine, not only the receiver, was saturated. Receiver / sender CPU: CPU time of the receiving process (all its threads; the sender is not in it) and of the sender process per delivery, medians over the rounds — less sensitive to the machine's load than the latencies. Receiver GC: the receiving process's GC time per round (median) / its longest pause (over the rounds).`,
    '',
    '| receiver | 200s | p50 | p99 (rounds: min–max) | observed p99 | handler p99 | achieved rate | max lag | sender loop max | receiver loop p99 / max | receiver / sender CPU | receiver GC | not 200 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.ok}/${r.sent} | ${fmt(r.p50)} | ${fmt(r.p99)} (${fmt(r.p99min)}–${fmt(r.p99max)}) | ${fmt(r.observedP99)} | ${fmt(r.insideP99)} | ${Math.round(r.achieved)}/s | ${fmt(r.maxLagMs)} | ${fmt(r.senderLoopMaxMs)} | ${r.receiverLoop} | ${Math.round(r.cpuUs)} / ${Math.round(r.senderCpuUs)} µs | ${r.gc} | ${r.others || '—'} |`,
    ),
    ...notes,
  ].join('\n');
  const targeted = rows.filter(
    (row) =>
      row.name.startsWith('Brace') &&
      !row.name.includes('NORMAL') &&
      !row.name.includes('workers') &&
      !row.name.includes('writer thread'),
  );
  for (const r of targeted) {
    const store = r.name.includes('SQLite') ? 'SQLite (synchronous=FULL)' : 'PostgreSQL';
    target(
      SUITE,
      `p99 time to the 2xx ≤ 20 ms at 1,000 deliveries/s, event committed first (${store})`,
      `${fmt(r.p99)} median of ${rounds} rounds, send to the receiver's 2xx (as the sender observed it: ${fmt(r.observedP99)}; ${r.ok}/${r.sent} answered 200)`,
      r.p99 <= 20 && r.ok === r.sent,
    );
  }
  return { title: SUITE, workloads: [], extra: table_, libraries: ['bullmq', 'pg-boss', 'pg'] };
};

export default suite;
