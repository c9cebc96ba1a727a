// An open-loop HTTP load generator that runs in a child process of its own, as a provider's
// sender would: it never competes with the receiver for its event loop, its heap or its GC
// (a worker thread shared the receiver's process). Each delivery is sent at its scheduled time
// (start + i / rate), whether or not earlier ones were answered: a slow receiver builds a queue
// and its latency shows it (no coordinated omission). Latency is measured from the actual send
// (not from the scheduled time: how late the sender itself started a send is reported apart, as
// lag) to the answer, two ways:
//   - observed: until the sender's event loop saw the end of the response (the provider's view);
//   - answered: until the receiver wrote its answer (the server stamps `x-answered-at` with the
//     machine's monotonic clock, which both processes read alike). This leaves out the time the
//     response waited for the sender's own event loop (its GC, its other sockets), which is the
//     client's delay, not the receiver's; it still counts every wait of the request in the
//     receiver's socket and accept queues.
// It also reports its own event-loop delay (monitorEventLoopDelay), a sign of how much of the
// observed figure is the sender's.

import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The response header a receiver may set to the time it answered (ms, {@link absoluteNow}). */
export const ANSWERED_AT = 'x-answered-at';

/**
 * The time `x-answered-at` carries: the monotonic clock (CLOCK_MONOTONIC on Linux) in ms, the
 * same in every process of the machine (`performance.timeOrigin` differs per process).
 */
export const absoluteNow = () => Number(process.hrtime.bigint()) / 1e6;

const SENDER_FLAG = '--open-loop-sender';

/** What the sender gets. */
export interface SenderInput {
  url: string;
  rate: number;
  deliveries: Array<{ body: string; headers: Record<string, string> }>;
}

/** What the sender answers. */
export interface SenderOutput {
  /** Latency of each answered delivery as the sender observed it, ms, sorted. */
  latencies: number[];
  /** Send to the receiver's `x-answered-at`, ms, sorted (empty when the receiver does not stamp it). */
  answered: number[];
  ok: number;
  failed: number;
  /** Answers other than 200 by status, and `error` for requests that got no answer. */
  others: Record<string, number>;
  seconds: number;
  /** The most a send started behind its schedule, ms. */
  maxLagMs: number;
  /** The sender thread's own event-loop delay, ms: p99 and max. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU time of the sender process per delivery, µs (its own cost, which it takes from the machine). */
  cpuUs: number;
}

async function send(input: SenderInput): Promise<SenderOutput> {
  const { url, rate, deliveries } = input;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu = process.cpuUsage();
  const latencies: number[] = [];
  const answered: number[] = [];
  let ok = 0;
  let failed = 0;
  let maxLagMs = 0;
  const others: Record<string, number> = {};
  const other = (key: string) => {
    failed++;
    others[key] = (others[key] ?? 0) + 1;
  };
  // node:http with keep-alive sockets (as many as the open loop needs): fetch (undici) cost
  // about 1.6–1.9 ms of CPU per delivery here, more than the receiver itself, on a 2-core machine.
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const post = (d: SenderInput['deliveries'][number]): Promise<void> =>
    new Promise((resolve) => {
      const sentAt = absoluteNow();
      const t0 = performance.now();
      const req = request(url, { method: 'POST', headers: d.headers, agent }, (response) => {
        response.resume();
        response.once('end', () => {
          latencies.push(performance.now() - t0);
          const stamp = Number(response.headers[ANSWERED_AT]);
          if (Number.isFinite(stamp) && stamp > 0) answered.push(stamp - sentAt);
          if (response.statusCode === 200) ok++;
          else other(String(response.statusCode));
          resolve();
        });
      });
      req.once('error', () => {
        other('error');
        resolve();
      });
      req.end(d.body);
    });
  const inflight: Array<Promise<void>> = [];
  const start = performance.now();
  let i = 0;
  while (i < deliveries.length) {
    const now = performance.now();
    const dueCount = Math.min(deliveries.length, Math.floor(((now - start) * rate) / 1_000) + 1);
    for (; i < dueCount; i++) {
      maxLagMs = Math.max(maxLagMs, now - (start + (i * 1_000) / rate));
      inflight.push(post(deliveries[i]!));
    }
    if (i < deliveries.length) {
      const next = start + (i * 1_000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
  }
  await Promise.all(inflight);
  agent.destroy();
  const seconds = (performance.now() - start) / 1_000;
  loop.disable();
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  answered.sort((a, b) => a - b);
  return {
    latencies,
    answered,
    ok,
    failed,
    others,
    seconds,
    maxLagMs,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    cpuUs: (used.user + used.system) / deliveries.length,
  };
}

if (process.argv.includes(SENDER_FLAG) && process.send !== undefined) {
  process.once('message', (input: SenderInput) => {
    void send(input).then((output) => process.send!(output, () => process.exit(0)));
  });
}

/** Runs one open-loop send in a child process (this file again) and answers its figures. */
export function sendOpenLoop(input: SenderInput): Promise<SenderOutput> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [SENDER_FLAG], {
      execArgv: process.execArgv, // tsx's loader, as the suite process has it
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (output: SenderOutput) => resolve(output));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the sender process ended (${code})`)));
    child.send(input);
  });
}
