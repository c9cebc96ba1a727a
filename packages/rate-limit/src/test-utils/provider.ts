import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback provider that counts a rolling window by arrival time, as real providers do:
 * a request arriving when `limit` requests already arrived within the last `windowMs` gets a
 * 429 (and is not counted), any other a 200. `headers(count)` adds response headers.
 */
export async function rollingWindowProvider(
  limit: number,
  windowMs: number,
  headers?: (remaining: number) => Record<string, string>,
) {
  const arrivals: number[] = [];
  let head = 0;
  const stats = { ok: 0, rejected: 0, maxInWindow: 0 };
  const server: Server = createServer((req, res) => {
    const now = performance.now();
    while (head < arrivals.length && (arrivals[head] as number) <= now - windowMs) head++;
    const inWindow = arrivals.length - head;
    req.resume();
    if (inWindow >= limit) {
      stats.rejected++;
      res.writeHead(429, { 'content-type': 'text/plain' });
      res.end('too many');
      return;
    }
    arrivals.push(now);
    stats.ok++;
    stats.maxInWindow = Math.max(stats.maxInWindow, inWindow + 1);
    res.writeHead(200, { 'content-type': 'text/plain', ...headers?.(limit - inWindow - 1) });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
