// Shared helpers for the suites: loopback servers, optional Redis/PostgreSQL connections,
// command counting and small formatting helpers.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkloadResult } from './harness.js';
import { summarize } from './stats.js';

/** Default servers when REDIS_URL / DATABASE_URL are unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A loopback HTTP server on 127.0.0.1, port 0. */
export async function loopback(
  handler: RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer({ keepAliveTimeout: 10_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A random per-run suffix for keys and table names. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** `x.xx×` */
export function times(x: number, digits = 2): string {
  return `${x.toFixed(digits)}×`;
}

/** `1.23 µs` from nanoseconds. */
export function us(ns: number, digits = 2): string {
  return `${(ns / 1000).toFixed(digits)} µs`;
}

/** The median ns/op of a contender in a workload. */
export function nsOf(w: WorkloadResult, name: string): number {
  const r = w.results.find((x) => x.name === name);
  if (!r) throw new Error(`nsOf: unknown contender ${name} in ${w.workload}`);
  return r.nsPerOp;
}

/** Whether a contender ran in a workload. */
export function has(w: WorkloadResult, name: string): boolean {
  return w.results.some((x) => x.name === name);
}

/**
 * Times a fixed-size job per contender (e.g. "schedule 100,000 tasks"), `rounds` times each,
 * interleaved, and reports ops/s where one op is one of the job's `ops` units.
 */
export async function compareFixed(
  suite: string,
  workload: string,
  contenders: Array<{ name: string; ops: number; run: () => Promise<unknown>; rounds?: number }>,
  rounds: number,
  note?: string,
): Promise<WorkloadResult> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const maxRounds = Math.max(...contenders.map((c) => c.rounds ?? rounds));
  for (let round = 0; round < maxRounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length]!;
      if (round >= (c.rounds ?? rounds)) continue;
      const t0 = performance.now();
      await c.run();
      const dt = performance.now() - t0;
      samples.get(c.name)!.push((c.ops / dt) * 1000);
    }
  }
  const results = contenders.map((c) => {
    const ops = summarize(samples.get(c.name)!);
    return { name: c.name, ops, nsPerOp: 1e9 / ops.median };
  });
  return { suite, workload, baseline: contenders[0]!.name, results, ...(note ? { note } : {}) };
}

/** Wraps an ioredis client's `sendCommand` to count the commands (round trips) it sends. */
export function countRedisCommands(client: { sendCommand: (...args: never[]) => unknown }): {
  reset(): void;
  readonly count: number;
} {
  let count = 0;
  const original = client.sendCommand.bind(client) as (...args: unknown[]) => unknown;
  (client as { sendCommand: unknown }).sendCommand = (...args: unknown[]) => {
    count++;
    return original(...args);
  };
  return {
    reset() {
      count = 0;
    },
    get count() {
      return count;
    },
  };
}

/** A 2 KB-ish JSON document (a typical API object list). */
export function jsonBody(bytes: number): string {
  const items: unknown[] = [];
  let i = 0;
  let text = '';
  for (;;) {
    items.push({
      id: `evt_${i.toString().padStart(8, '0')}`,
      type: 'invoice.paid',
      amount: 1000 + i,
      currency: 'eur',
      paid: i % 2 === 0,
      customer: { id: `cus_${i}`, email: `user${i}@example.com` },
    });
    const next = JSON.stringify({ object: 'list', data: items });
    if (next.length > bytes) break;
    text = next;
    i++;
  }
  const pad = bytes - text.length - 9;
  return text.slice(0, -1) + `,"pad":"${'x'.repeat(Math.max(0, pad))}"}`;
}

/** Errors and skips rendered for a report. */
export function skipped(what: string, reason: unknown): string {
  const message = reason instanceof Error ? reason.message : String(reason);
  return `- ${what}: skipped: ${message.split('\n')[0]}`;
}
