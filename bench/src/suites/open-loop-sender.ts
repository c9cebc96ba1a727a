// An open-loop HTTP load generator that runs in a worker thread, so that sending never competes
// with the receiver for its event loop. Each delivery is sent at its scheduled time
// (start + i / rate), whether or not earlier ones were answered: a slow receiver builds a queue
// and its latency shows it (no coordinated omission). Time is measured from the send to the end
// of the response; the lag of sends behind their schedule is reported too.

import { parentPort, Worker, workerData } from 'node:worker_threads';

/** What the sender gets. */
export interface SenderInput {
  url: string;
  rate: number;
  deliveries: Array<{ body: string; headers: Record<string, string> }>;
}

/** What the sender answers. */
export interface SenderOutput {
  /** Latency of each answered delivery, ms, sorted. */
  latencies: number[];
  ok: number;
  failed: number;
  /** Answers other than 200 by status, and `error` for requests that got no answer. */
  others: Record<string, number>;
  seconds: number;
  /** The most a send started behind its schedule, ms. */
  maxLagMs: number;
}

async function send(input: SenderInput): Promise<SenderOutput> {
  const { url, rate, deliveries } = input;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let maxLagMs = 0;
  const others: Record<string, number> = {};
  const other = (key: string) => {
    failed++;
    others[key] = (others[key] ?? 0) + 1;
  };
  const inflight: Array<Promise<void>> = [];
  const start = performance.now();
  let i = 0;
  while (i < deliveries.length) {
    const now = performance.now();
    const dueCount = Math.min(deliveries.length, Math.floor(((now - start) * rate) / 1_000) + 1);
    for (; i < dueCount; i++) {
      const d = deliveries[i]!;
      maxLagMs = Math.max(maxLagMs, now - (start + (i * 1_000) / rate));
      const t0 = performance.now();
      inflight.push(
        fetch(url, { method: 'POST', headers: d.headers, body: d.body }).then(
          async (response) => {
            await response.arrayBuffer();
            latencies.push(performance.now() - t0);
            if (response.status === 200) ok++;
            else other(String(response.status));
          },
          () => other('error'),
        ),
      );
    }
    if (i < deliveries.length) {
      const next = start + (i * 1_000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  return { latencies, ok, failed, others, seconds: (performance.now() - start) / 1_000, maxLagMs };
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
