// An open-loop HTTP load generator that runs in a worker thread, so that sending never competes
// with the receiver for its event loop. Each delivery is sent at its scheduled time
// (start + i / rate), whether or not earlier ones were answered: a slow receiver builds a queue
// and its latency shows it (no coordinated omission). Latency is measured from the actual send
// (not from the scheduled time: how late the sender itself started a send is reported apart, as
// lag) to the answer, two ways:
//   - observed: until the sender's event loop saw the end of the response;
//   - answered: until the receiver wrote its answer (the server stamps `x-answered-at` with
//     performance.timeOrigin + performance.now(), the same clock as the sender's, as both run
//     in one process). This leaves out the time the response waited for the sender's own event
//     loop (its GC, its other sockets), which is the client's delay, not the receiver's; it
//     still counts every wait of the request in the receiver's socket and accept queues.
// It also reports its own event-loop delay (monitorEventLoopDelay), a sign of how much of the
// observed figure is the sender's.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/** The response header a receiver may set to the time it answered (ms, timeOrigin + now). */
export const ANSWERED_AT = 'x-answered-at';

/** The time `x-answered-at` carries: comparable across the threads of one process. */
export const absoluteNow = () => performance.timeOrigin + performance.now();

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
}

async function send(input: SenderInput): Promise<SenderOutput> {
  const { url, rate, deliveries } = input;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
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
  const post = async (d: SenderInput['deliveries'][number]): Promise<void> => {
    const sentAt = absoluteNow();
    const t0 = performance.now();
    try {
      const response = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
      await response.arrayBuffer();
      latencies.push(performance.now() - t0);
      const stamp = Number(response.headers.get(ANSWERED_AT));
      if (Number.isFinite(stamp) && stamp > 0) answered.push(stamp - sentAt);
      if (response.status === 200) ok++;
      else other(String(response.status));
    } catch {
      other('error');
    }
  };
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
  const seconds = (performance.now() - start) / 1_000;
  loop.disable();
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
  };
}

if (parentPort !== null && (workerData as { sender?: SenderInput } | undefined)?.sender) {
  const port = parentPort;
  void send((workerData as { sender: SenderInput }).sender).then((output) =>
    port.postMessage(output),
  );
}

/** Runs one open-loop send in a worker thread and answers its figures. */
export function sendOpenLoop(input: SenderInput): Promise<SenderOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { sender: input } });
    worker.once('message', (output: SenderOutput) => {
      resolve(output);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
