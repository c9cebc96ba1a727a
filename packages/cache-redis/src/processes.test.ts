import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, deletePrefix, randomPrefix, redisUrl } from './test-utils/env.js';

const url = redisUrl('cross-process coalescing');
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Output lines of a child, line by line. */
function lines(child: ChildProcess): () => Promise<string> {
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  const ready: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const next = waiting.shift();
      if (next) next(line);
      else ready.push(line);
    }
  });
  return () => {
    const line = ready.shift();
    return line !== undefined
      ? Promise.resolve(line)
      : new Promise((resolve) => waiting.push(resolve));
  };
}

describe.skipIf(!url)('coalescing across processes over real Redis', () => {
  const prefix = randomPrefix('processes');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill();
    const client = await connect(url as string);
    await deletePrefix(client, prefix);
    client.disconnect();
  });

  it('1,000 concurrent misses from 4 processes make at most 1 origin request per key', async () => {
    const hits = new Map<string, number>();
    const server = createServer((req, res) => {
      const key = (req.url ?? '').slice(1);
      hits.set(key, (hits.get(key) ?? 0) + 1);
      // Slow enough that every process's misses overlap the first origin request.
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
        res.end(`body of ${key}`);
      }, 300);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const worker = fileURLToPath(new URL('./test-utils/worker.ts', import.meta.url));
      const readers = [];
      for (let p = 0; p < 4; p++) {
        const child = spawn(
          process.execPath,
          [
            `${root}node_modules/tsx/dist/cli.mjs`,
            '--tsconfig',
            `${root}tsconfig.base.json`,
            worker,
            url as string,
            prefix,
            origin,
            '5',
            '250',
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        children.push(child);
        readers.push(lines(child));
      }
      for (const read of readers) expect(await read()).toBe('ready');
      for (const child of children) child.stdin?.write('go\n');
      const results = (
        await Promise.all(readers.map(async (read) => JSON.parse(await read())))
      ).flat() as Array<{
        key: string;
        status: number;
        body: string;
        reason: string | null;
      }>;
      expect(results).toHaveLength(1000);
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(r.body).toBe(`body of ${r.key}`);
      }
      expect([...hits.keys()].sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
      for (const count of hits.values()) expect(count).toBe(1);
      // Three processes per key got the stored result, marked fresh.
      expect(results.filter((r) => r.reason === 'fresh').length).toBeGreaterThanOrEqual(750);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});
