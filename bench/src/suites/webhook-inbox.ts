// @brace/webhook-inbox: acknowledgement latency. An open-loop sender in a child process (so it
// never competes with the receiver's event loop, heap or GC) delivers signed Stripe webhooks at a fixed rate
// (1,000/s, each at its own scheduled time) to a loopback receiver; each receiver verifies the
// signature and answers 200. Contenders differ only in what happens before the 200:
//   - Brace inbox on PostgreSQL / on SQLite: the event is committed (deduplicated) first, with
//     group commit (the default); SQLite with its default synchronous=FULL and with NORMAL, with
//     the default writer thread and, FULL only, with the inline writer;
//   - the same on PostgreSQL with the inbox's workers running in the receiving process;
//   - inline: verify and run the handler (one INSERT) inside the request;
//   - BullMQ: verify and enqueue into Redis;  - pg-boss: verify and enqueue into PostgreSQL.
// Each receiver runs in a process of its own (webhook-inbox-receiver.ts): its heap, GC and event
// loop hold nothing else, so its latency is its own; it reports its own CPU, GC and loop delay.
// Brace's rows are compared with their floor (same store, one commit per request, no Brace code)
// round by round; the load average is printed with the figures.
// Workers are off in every row but the one that says "workers on": the ack path is measured
// alone, then with four handlers draining the same store in the same process.
// Contenders run interleaved, round by round (the order rotating), so load from the rest of the
// machine hits them alike; each figure is the median over the rounds.
// Latency is from the actual send (not the scheduled time: the sender's lag is reported apart)
// to the moment the receiver wrote its 2xx (stamped by the server on the machine's monotonic
// clock, which the sender's process reads alike), so the time an answer waits for the sender's own event loop is not counted
// against the receiver; the sender-observed p99, the handler's own p99 and both processes'
// event-loop delay are shown beside it.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { signWebhook } from '@brace/webhook-verify';
import pg from 'pg';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { runId, skipped } from '../util.js';
import { sendOpenLoop } from './open-loop-sender.js';
import { type ContenderEnv, pgTables, selectedSpecs } from './webhook-inbox-contenders.js';
import { type Receiver, startReceiver } from './webhook-inbox-receiver.js';

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
  /** CPU time of the PostgreSQL backends serving the receiver, per delivery, µs (undefined: none found). */
  pgCpuUs: number | undefined;
  /** WAL the server wrote during the round, per delivery, bytes (the whole server's). */
  walBytes: number | undefined;
}

/** Linux clock ticks per second (/proc/<pid>/stat counts CPU time in them). */
const CLK_TCK = 100;

/** The application name of receiver `k`'s PostgreSQL connections. */
const application = (id: string, k: number) => `brace_bench_inbox_${id}_${k}`;

/**
 * What the PostgreSQL server has done so far for `app`: the CPU time (µs) of each backend that
 * serves it, by pid (none when the server's processes are not readable here), and the server's
 * WAL position. Backend CPU is the server's work per statement and row (parse, plan, index
 * maintenance, commit), which the machine's load barely changes; WAL is the whole server's.
 */
async function serverWork(pool: pg.Pool, app: string) {
  const { rows } = await pool.query(
    'SELECT pid, pg_current_wal_lsn()::text AS lsn FROM pg_stat_activity RIGHT JOIN (SELECT 1) one ON application_name = $1',
    [app],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows as Array<{ pid: number | null }>) {
    if (pid === null) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK);
    } catch {
      // not a process of this machine, or it just ended
    }
  }
  return { cpu, lsn: (rows[0] as { lsn: string }).lsn };
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

/** A whole number from the environment, or the default. */
const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

const suite: Suite = async (ctx) => {
  // BENCH_INBOX_ROUNDS / BENCH_INBOX_PER_ROUND override the rounds and deliveries per round.
  const rounds = knob('BENCH_INBOX_ROUNDS', ctx.smoke ? 1 : ctx.quick ? 3 : 5);
  const perRound = knob('BENCH_INBOX_PER_ROUND', ctx.smoke ? 50 : ctx.quick ? 700 : 2_000);
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
  const env: ContenderEnv = {
    secret: SECRET,
    id,
    sqliteDir,
    databaseUrl: ctx.databaseUrl,
    redisUrl: ctx.redisUrl,
  };
  const results = new Map<string, Round[]>();
  const specs = selectedSpecs();
  const list: Array<{ name: string; floor?: string; receiver: Receiver; app: string }> = [];
  const load = [loadavg()];
  // The suite's own connection: the server's work per round (backend CPU, WAL).
  const server = new pg.Pool({ connectionString: ctx.databaseUrl, max: 1 });
  server.on('error', () => {});
  try {
    // Each receiver in its own process; one that cannot be built becomes a note.
    const started = await Promise.allSettled(
      specs.map((spec, k) => startReceiver(spec.name, env, application(id, k))),
    );
    started.forEach((outcome, i) => {
      const spec = specs[i]!;
      if (outcome.status === 'rejected') notes.push(skipped(spec.name, outcome.reason));
      else
        list.push({
          name: spec.name,
          ...(spec.floor ? { floor: spec.floor } : {}),
          receiver: outcome.value,
          app: application(id, i),
        });
    });
    const drive = async (k: number, prefix: string, n: number): Promise<Round> => {
      const { receiver, app } = list[k]!;
      const deliveries = await sign(prefix, n);
      await receiver.begin();
      const before = await serverWork(server, app).catch(() => undefined);
      const out = await sendOpenLoop({ url: receiver.url, rate: RATE, deliveries });
      const after = await serverWork(server, app).catch(() => undefined);
      const own = await receiver.end();
      let pgCpuUs: number | undefined;
      let walBytes: number | undefined;
      // Only for a receiver with PostgreSQL backends of its own (not SQLite, Redis or pg-boss).
      if (before !== undefined && after !== undefined && after.cpu.size > 0) {
        let used = 0;
        for (const [pid, us] of after.cpu) used += us - (before.cpu.get(pid) ?? 0);
        pgCpuUs = used / n;
        const { rows } = await server.query('SELECT pg_wal_lsn_diff($1, $2)::float8 AS bytes', [
          after.lsn,
          before.lsn,
        ]);
        walBytes = (rows[0] as { bytes: number }).bytes / n;
      }
      return {
        ok: out.ok,
        sent: n,
        p50: quantile(out.answered, 0.5),
        p99: out.answered.length === n ? quantile(out.answered, 0.99) : Number.POSITIVE_INFINITY,
        observedP99: quantile(out.latencies, 0.99),
        insideP99: quantile(own.inside, 0.99),
        achieved: n / out.seconds,
        maxLagMs: out.maxLagMs,
        senderLoopMaxMs: out.loopDelayMaxMs,
        senderCpuUs: out.cpuUs,
        receiverLoopP99Ms: own.loopP99Ms,
        receiverLoopMaxMs: own.loopMaxMs,
        cpuUs: own.cpuUs / n,
        gcMs: own.gcMs,
        gcMaxMs: own.gcMaxMs,
        others: out.others,
        pgCpuUs,
        walBytes,
      };
    };
    // Warm-up: one short round each with other event ids, not counted (not in a smoke run,
    // which only proves the suite runs).
    if (!ctx.smoke)
      for (let k = 0; k < list.length; k++) await drive(k, `warm${k}`, Math.min(200, perRound));
    load.push(loadavg());
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < list.length; j++) {
        const k = (j + r) % list.length;
        const round = await drive(k, `c${k}r${r}`, perRound);
        results.set(list[k]!.name, [...(results.get(list[k]!.name) ?? []), round]);
      }
    }
    load.push(loadavg());
  } finally {
    for (const { receiver } of list) await receiver.close().catch(() => {});
    const pool = server;
    await pool
      .query(
        `DROP TABLE IF EXISTS ${pgTables(id)
          .map((t) => `"${t}"`)
          .join(', ')}`,
      )
      .catch(() => {});
    await pool.end();
    rmSync(sqliteDir, { recursive: true, force: true });
  }

  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  const floorOf = new Map(list.map((c) => [c.name, c.floor]));
  // Brace's p99 minus its floor's in the same round (both ran in that round, a few seconds
  // apart): the median of these differences is Brace's own cost, with the machine's load of the
  // moment mostly cancelled.
  const overFloor = (name: string): number | undefined => {
    const floor = results.get(floorOf.get(name) ?? '');
    const own = results.get(name);
    if (floor === undefined || own === undefined) return undefined;
    return median(own.map((r, i) => r.p99 - floor[i]!.p99));
  };
  // The median of the rounds that have the figure, or undefined.
  const defined = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? undefined : median(known);
  };
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
      overFloor: overFloor(name),
      observedP99: median(rs.map((r) => r.observedP99)),
      insideP99: median(rs.map((r) => r.insideP99)),
      achieved: median(rs.map((r) => r.achieved)),
      maxLagMs: Math.max(...rs.map((r) => r.maxLagMs)),
      senderLoopMaxMs: Math.max(...rs.map((r) => r.senderLoopMaxMs)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
      pgCpuUs: defined(rs.map((r) => r.pgCpuUs)),
      walBytes: defined(rs.map((r) => r.walBytes)),
      senderCpuUs: median(rs.map((r) => r.senderCpuUs)),
      gc: `${fmt(median(rs.map((r) => r.gcMs)))} / ${fmt(Math.max(...rs.map((r) => r.gcMaxMs)))}`,
      receiverLoop: `${fmt(median(rs.map((r) => r.receiverLoopP99Ms)))} / ${fmt(Math.max(...rs.map((r) => r.receiverLoopMaxMs)))}`,
      others: Object.entries(others)
        .map(([key, n]) => `${key}×${n}`)
        .join(', '),
    };
  });
  const avg = (l: number[]) => l.map((x) => x.toFixed(2)).join('/');
  const loadText = ['at the start', 'after the warm-up', 'at the end']
    .slice(0, load.length)
    .map((when, i) => `${when} ${avg(load[i]!)}`)
    .join(', ');
  const table_ = [
    `${rounds} rounds × ${perRound.toLocaleString('en-US')} signed Stripe deliveries per receiver at ${RATE}/s (open loop: each sent at its scheduled time from a child process, whatever the answers) to a loopback receiver. **p50/p99: from the actual send to the moment the receiver wrote its 2xx** (the server stamps the answer with the machine's monotonic clock, which the sender process reads too; every wait of the request in the receiver's queues counts, the time the answer then waited for the sender's own event loop does not). Observed p99: the same until the sender's event loop saw the answer (the provider's view; includes the sender's own delays). Handler p99: request in the handler to its answer (verify + commit). Receivers run interleaved, the order rotating each round; p50, p99 and rate are medians over the rounds. Workers are off except in the "workers on" row. Group commit is on (the default). Lag: how far the sender fell behind its schedule (not counted in the latencies); sender / receiver loop: their event-loop delay (monitorEventLoopDelay; receiver: median p99 / max) — a sign the machine, not only the receiver, was saturated. Receiver / sender CPU: CPU time of the receiving process (all its threads; the sender is not in it) and of the sender process per delivery, medians over the rounds — less sensitive to the machine's load than the latencies. Receiver GC: the receiving process's GC time per round (median) / its longest pause (over the rounds). PostgreSQL backends / WAL: CPU time of the PostgreSQL backends serving the receiver's connections (read from /proc, so only for a local server; pg-boss names its connections itself, so it has none) and the WAL the whole server wrote meanwhile (so other clients of the server count too), per delivery, medians over the rounds — the server's work per delivery (statements, index maintenance, commits), which the machine's load barely changes. Over floor: the receiver's p99 minus its floor's p99 in the same round, median over the rounds (the floor: the same store, one commit per request, no verification, no Brace code). **Each receiver runs in a process of its own** (its heap, GC and event loop hold nothing else); the sender in another.`,
    `Load average (1/5/15 min): ${loadText} (2 cores: the sender and the receiver take one each; anything else running shows here).`,
    '',
    '| receiver | 200s | p50 | p99 (rounds: min–max) | over floor | observed p99 | handler p99 | achieved rate | max lag | sender loop max | receiver loop p99 / max | receiver / sender CPU | PostgreSQL backends / WAL per delivery | receiver GC | not 200 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.ok}/${r.sent} | ${fmt(r.p50)} | ${fmt(r.p99)} (${fmt(r.p99min)}–${fmt(r.p99max)}) | ${r.overFloor === undefined ? '—' : `${r.overFloor >= 0 ? '+' : ''}${fmt(r.overFloor)}`} | ${fmt(r.observedP99)} | ${fmt(r.insideP99)} | ${Math.round(r.achieved)}/s | ${fmt(r.maxLagMs)} | ${fmt(r.senderLoopMaxMs)} | ${r.receiverLoop} | ${Math.round(r.cpuUs)} / ${Math.round(r.senderCpuUs)} µs | ${r.pgCpuUs === undefined ? '—' : `${Math.round(r.pgCpuUs)} µs`} / ${r.walBytes === undefined ? '—' : `${Math.round(r.walBytes)} B`} | ${r.gc} | ${r.others || '—'} |`,
    ),
    '',
    'p99 by round, ms (the receivers of one round ran back to back, so round i of two rows is a fair pair):',
    '',
    ...[...results].map(
      ([name, rs]) => `- ${name}: ${rs.map((r) => r.p99.toFixed(1)).join(' · ')}`,
    ),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
  const targeted = rows.filter(
    (row) =>
      row.name.startsWith('Brace') &&
      !row.name.includes('NORMAL') &&
      !row.name.includes('workers') &&
      !row.name.includes('inline writer'),
  );
  for (const r of targeted) {
    const store = r.name.includes('SQLite') ? 'SQLite (synchronous=FULL)' : 'PostgreSQL';
    target(
      SUITE,
      `p99 time to the 2xx ≤ 20 ms at 1,000 deliveries/s, event committed first (${store})`,
      `${fmt(r.p99)} median of ${rounds} rounds, send to the receiver's 2xx (as the sender observed it: ${fmt(r.observedP99)}; ${r.ok}/${r.sent} answered 200; its floor's p99 ${fmt(rows.find((f) => f.name === floorOf.get(r.name))?.p99 ?? Number.NaN)}, Brace over it ${r.overFloor === undefined ? '—' : fmt(r.overFloor)} per round; load ${avg(load.at(-1)!)})`,
      r.p99 <= 20 && r.ok === r.sent,
    );
  }
  return { title: SUITE, workloads: [], extra: table_, libraries: ['bullmq', 'pg-boss', 'pg'] };
};

export default suite;
