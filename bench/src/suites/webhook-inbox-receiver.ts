// One webhook-inbox receiver in a process of its own: it builds one contender by name, serves it
// on a loopback port and measures itself (CPU, GC, event-loop delay, handler time) round by
// round, as the suite asks over IPC. Each receiver's latency is then its own: no other
// receiver's heap, GC pauses, sockets or timers share its process (they did when all ran in the
// suite's process, whose heap also held the other suites' leftovers).

import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ANSWERED_AT, absoluteNow } from './open-loop-sender.js';
import { type Contender, type ContenderEnv, SPECS } from './webhook-inbox-contenders.js';

const RECEIVER_FLAG = '--webhook-inbox-receiver';

/** The receiver's own figures for one round. */
export interface ReceiverRound {
  /** Request in the handler to its answer, ms, sorted. */
  inside: number[];
  loopP99Ms: number;
  loopMaxMs: number;
  /** CPU time of the process (all its threads), µs. */
  cpuUs: number;
  gcMs: number;
  gcMaxMs: number;
}

type Command = { op: 'begin' } | { op: 'end' } | { op: 'close' };
type Reply = { ok: true; value?: unknown } | { ok: false; error: string };

async function serve(contender: Contender) {
  let inside: number[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const status = await contender.receive(
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
  let loop = monitorEventLoopDelay({ resolution: 1 });
  const gc = { ms: 0, max: 0 };
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.ms += entry.duration;
      gc.max = Math.max(gc.max, entry.duration);
    }
  });
  let cpu = process.cpuUsage();
  const commands = {
    begin: () => {
      contender.before?.();
      inside = [];
      gc.ms = 0;
      gc.max = 0;
      loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      gcs.observe({ entryTypes: ['gc'] });
      cpu = process.cpuUsage();
    },
    end: async (): Promise<ReceiverRound> => {
      const used = process.cpuUsage(cpu);
      gcs.disconnect();
      loop.disable();
      const round: ReceiverRound = {
        inside: inside.sort((a, b) => a - b),
        loopP99Ms: loop.percentile(99) / 1e6,
        loopMaxMs: loop.max / 1e6,
        cpuUs: used.user + used.system,
        gcMs: gc.ms,
        gcMaxMs: gc.max,
      };
      inside = [];
      await contender.after?.();
      return round;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await contender.close();
    },
  };
  return { url: `http://127.0.0.1:${port}/`, commands };
}

if (process.argv.includes(RECEIVER_FLAG) && process.send !== undefined) {
  const reply = (message: Reply) => process.send!(message);
  const failure = (error: unknown): Reply => ({
    ok: false,
    error: error instanceof Error ? error.message : String(error),
  });
  process.once('message', async ({ name, env }: { name: string; env: ContenderEnv }) => {
    let served: Awaited<ReturnType<typeof serve>>;
    try {
      const spec = SPECS.find((s) => s.name === name);
      if (spec === undefined) throw new Error(`no contender named ${name}`);
      served = await serve(await spec.make(env));
    } catch (error) {
      process.send!(failure(error), () => process.exit(0));
      return;
    }
    reply({ ok: true, value: served.url });
    process.on('message', async (command: Command) => {
      try {
        const value = await served.commands[command.op]();
        if (command.op === 'close') process.send!({ ok: true }, () => process.exit(0));
        else reply({ ok: true, value });
      } catch (error) {
        reply(failure(error));
      }
    });
  });
}

/** A receiver process, as the suite drives it. */
export interface Receiver {
  url: string;
  /** Starts a round (the contender's `before`, fresh counters). */
  begin(): Promise<void>;
  /** Ends a round: the receiver's figures (then the contender's `after`). */
  end(): Promise<ReceiverRound>;
  /** Ends the contender and the process. */
  close(): Promise<void>;
}

/**
 * Starts the receiver process for contender `name` (its PostgreSQL connections named
 * `application`); rejects with its error when it cannot be built.
 */
export function startReceiver(
  name: string,
  env: ContenderEnv,
  application?: string,
): Promise<Receiver> {
  const child = fork(fileURLToPath(import.meta.url), [RECEIVER_FLAG], {
    execArgv: process.execArgv, // tsx's loader, as the suite process has it
    // The application name of its PostgreSQL connections (pg reads PGAPPNAME), so that the suite
    // finds the backends that serve this receiver.
    ...(application === undefined ? {} : { env: { ...process.env, PGAPPNAME: application } }),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let exited: Error | undefined;
  const waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  child.on('message', (reply: Reply) => waiting.shift()?.resolve(reply));
  child.once('exit', (code) => {
    exited = new Error(`the receiver process for "${name}" ended (${code})`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const ask = (message: unknown): Promise<unknown> =>
    new Promise<Reply>((resolve, reject) => {
      if (exited !== undefined) return reject(exited);
      waiting.push({ resolve, reject });
      child.send(message as object);
    }).then((reply) => {
      if (!reply.ok) throw new Error(reply.error);
      return reply.value;
    });
  return ask({ name, env }).then(
    (url) => ({
      url: url as string,
      begin: async () => {
        await ask({ op: 'begin' });
      },
      end: async () => (await ask({ op: 'end' })) as ReceiverRound,
      close: async () => {
        if (exited === undefined) await ask({ op: 'close' }).catch(() => child.kill());
      },
    }),
    (error: Error) => {
      child.kill();
      throw error;
    },
  );
}
