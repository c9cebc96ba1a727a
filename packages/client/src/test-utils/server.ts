import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@brace/core';

/** One request the loopback server received. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What a route answers. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Route = (seen: Seen, count: number) => Answer | Promise<Answer>;

/** A real node:http server on 127.0.0.1 answering by `METHOD /path` (exact path). */
export interface Loopback {
  url: string;
  seen: Seen[];
  count(route: string): number;
  close(): Promise<void>;
}

export async function loopback(routes: Record<string, Route>): Promise<Loopback> {
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0] as string;
    const entry: Seen = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    seen.push(entry);
    const key = `${entry.method} ${path}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const route = routes[key];
    const answer: Answer = route
      ? await route(entry, n)
      : { status: 404, body: { message: 'Not Found' } };
    const status = answer.status ?? 200;
    const headers: Record<string, string> = { ...answer.headers };
    let text = '';
    if (answer.body !== undefined) {
      text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(status, headers);
    res.end(text);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    count: (route) => counts.get(route) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock whose sleeps resolve at once (and advance its time), so retries never wait for real. */
export function instantClock(start = Date.UTC(2026, 0, 1)): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      slept.push(ms);
      now += ms;
    },
  };
}

/** Seeded uniform random in [0, 1). */
export function seeded(seed = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
