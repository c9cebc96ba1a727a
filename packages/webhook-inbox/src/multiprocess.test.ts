import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from './inbox.js';
import { postgresInboxStore } from './postgres.js';
import { randomTable, serverUrl } from './test-utils/env.js';

// 1,000 events, each delivered 3 times in shuffled order over loopback HTTP, processed by 4
// worker processes on PostgreSQL that are SIGKILLed at random and restarted. Scaled for the
// test run (2 cores); BRACE_INBOX_EVENTS=100000 runs the size (the README gives its
// figures; BRACE_INBOX_SENDERS and BRACE_INBOX_WORKER_CONCURRENCY tune the load).
const EVENTS = Number(process.env.BRACE_INBOX_EVENTS ?? 1_000);
const SENDERS = Number(process.env.BRACE_INBOX_SENDERS ?? (EVENTS > 10_000 ? 64 : 16));
const WORKER_CONCURRENCY = process.env.BRACE_INBOX_WORKER_CONCURRENCY ?? '4';
// Mean time between kills (each kill then waits a random 0.5×–1.5× of it): every 200–600 ms at
// the default size; larger runs kill less often, so restarts (a Node process with tsx each) do
// not eat the 2 cores.
const KILL_EVERY_MS = Number(
  process.env.BRACE_INBOX_KILL_EVERY_MS ?? (EVENTS > 1_000 ? 2_000 : 400),
);
// Generous bounds that grow with the run: the drain wait and the test's own timeout.
const DRAIN_MS = Math.max(90_000, EVENTS * 10);
const TEST_MS = Math.max(180_000, EVENTS * 40);
const POISON_EVERY = 50;
const SECRET = 'whsec_multiprocess_secret';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./test-utils/pg-worker.ts', import.meta.url));
const senderScript = fileURLToPath(new URL('./test-utils/sender.ts', import.meta.url));
// Delivery processes (the receiver stays in this one), each with SENDERS / SENDER_PROCESSES requests at once.
const SENDER_PROCESSES = EVENTS > 1_000 ? 2 : 1;

/** A small seeded generator (mulberry32): the same shuffle and kill schedule every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const url = serverUrl('DATABASE_URL', 'multi-process inbox');
describe.skipIf(!url)('4 worker processes on PostgreSQL, killed at random', () => {
  const table = randomTable('mp');
  const ledger = `${table}_ledger`;
  let pool: pg.Pool;
  let server: Server;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 8 });
    // No unique constraint: a second run of a side effect would show as a second row.
    await pool.query(`CREATE TABLE "${ledger}" (event_id TEXT NOT NULL)`);
    const inbox = createInbox({
      store: postgresInboxStore({ client: pool, table }),
      providers: { stripe: { secret: SECRET } },
      handlers: {},
    });
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const answer = await inbox.receive('stripe', {
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers as Record<string, string>,
      });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await new Promise((resolve) => server.close(resolve));
    await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_watermarks", "${ledger}"`);
    await pool.end();
  });

  const tsx = {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, TSX_TSCONFIG_PATH: `${root}tsconfig.base.json` },
  };

  /** Delivers `ids` from a process of its own; answers the statuses and duplicates it saw. */
  const deliver = (port: number, ids: string[]) =>
    new Promise<{ statuses: Record<number, number>; duplicates: number }>((resolve, reject) => {
      const slots = String(Math.max(1, Math.round(SENDERS / SENDER_PROCESSES)));
      const child = fork(senderScript, [String(port), SECRET, slots], {
        ...tsx,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.add(child);
      child.once('message', resolve);
      child.once('exit', (code) => {
        children.delete(child);
        reject(new Error(`sender exited with ${code}`));
      });
      child.send(ids);
    });

  const spawnWorker = (n: number): ChildProcess => {
    // tsx as a loader inside the worker's own process (not its CLI, which would put a wrapper
    // process between us and the worker): SIGKILL hits the worker itself.
    const child = fork(workerScript, [url as string, table, ledger, `w${n}`, WORKER_CONCURRENCY], {
      ...tsx,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };

  it(
    'runs every side effect exactly once, loses nothing, and dead-letters exactly the poison events',
    async () => {
      const random = seeded(2026);
      const ids = Array.from({ length: EVENTS }, (_, i) =>
        i % POISON_EVERY === 0 ? `evt_${i}_poison` : `evt_${i}`,
      );
      const deliveries = ids.flatMap((id) => [id, id, id]);
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }
      const workers = [0, 1, 2, 3].map(spawnWorker);
      let kills = 0;
      let running = true;
      const killer = (async () => {
        while (running) {
          await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS * (0.5 + random())));
          if (!running) break;
          const slot = Math.floor(random() * workers.length);
          workers[slot]!.kill('SIGKILL');
          kills++;
          workers[slot] = spawnWorker(10 + kills);
        }
      })();

      const { port } = server.address() as AddressInfo;
      const started = performance.now();
      // Deliveries are dealt round-robin to the sender processes: each keeps the shuffled order.
      const shares = Array.from({ length: SENDER_PROCESSES }, (_, k) =>
        deliveries.filter((_, i) => i % SENDER_PROCESSES === k),
      );
      const reports = await Promise.all(shares.map((share) => deliver(port, share)));
      const statuses = new Map<number, number>();
      let duplicates = 0;
      for (const report of reports) {
        duplicates += report.duplicates;
        for (const [status, n] of Object.entries(report.statuses))
          statuses.set(Number(status), (statuses.get(Number(status)) ?? 0) + n);
      }
      const deliveredMs = performance.now() - started;
      expect(statuses).toEqual(new Map([[200, deliveries.length]]));
      expect(duplicates).toBe(deliveries.length - EVENTS); // each event stored once, answered 3 times

      const deadline = Date.now() + DRAIN_MS;
      let open = -1;
      while (Date.now() < deadline) {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM "${table}" WHERE status IN ('pending', 'processing')`,
        );
        open = (rows[0] as { n: number }).n;
        if (open === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      running = false;
      await killer;
      for (const child of children) child.kill('SIGTERM');
      const totalMs = performance.now() - started;
      expect(open).toBe(0);
      expect(kills).toBeGreaterThan(3);

      const poison = ids.filter((id) => id.endsWith('_poison'));
      const { rows: effects } = await pool.query(
        `SELECT event_id, count(*)::int AS n FROM "${ledger}" GROUP BY event_id`,
      );
      const counts = new Map(
        (effects as Array<{ event_id: string; n: number }>).map((r) => [r.event_id, r.n]),
      );
      expect([...counts.values()].filter((n) => n !== 1)).toEqual([]); // exactly once
      expect(counts.size).toBe(EVENTS - poison.length); // none lost
      const { rows: stored } = await pool.query(
        `SELECT status, count(*)::int AS n FROM "${table}" GROUP BY status ORDER BY status`,
      );
      expect(stored).toEqual([
        { status: 'dead', n: poison.length },
        { status: 'done', n: EVENTS - poison.length },
      ]);
      const { rows: dead } = await pool.query(
        `SELECT event_id FROM "${table}" WHERE status = 'dead' ORDER BY event_id`,
      );
      expect((dead as Array<{ event_id: string }>).map((r) => r.event_id)).toEqual(
        [...poison].sort(),
      );
      if (process.env.BRACE_INBOX_EVENTS !== undefined) {
        const effectsRun = [...counts.values()].reduce((a, b) => a + b, 0);
        console.info(
          `[inbox multi-process] events ${EVENTS}, deliveries ${deliveries.length} (answered duplicate ${duplicates}), ` +
            `side effects ${effectsRun} for ${counts.size} events, lost ${EVENTS - poison.length - counts.size}, ` +
            `dead letters ${(dead as unknown[]).length} (poison ${poison.length}), kills ${kills}, ` +
            `delivered in ${(deliveredMs / 1_000).toFixed(1)} s, all settled in ${(totalMs / 1_000).toFixed(1)} s ` +
            `(${Math.round(EVENTS / (totalMs / 1_000))} events/s)`,
        );
      }
    },
    TEST_MS,
  );
});
