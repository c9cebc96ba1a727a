import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './sqlite.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function firstLines(child: ChildProcess): () => Promise<string> {
  let buffer = '';
  const ready: string[] = [];
  const waiting: Array<(line: string) => void> = [];
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

describe('sqliteStore shared by 3 processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brace-cache-sqlite-proc-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent misses from every process make one origin request per key', async () => {
    const file = join(dir, 'cache.db');
    // Create the tables once, before the processes race to.
    const setup = new DatabaseSync(file);
    setup.exec('PRAGMA journal_mode = WAL');
    sqliteStore({ database: setup });
    setup.close();
    const hits = new Map<string, number>();
    const server = createServer((req, res) => {
      const key = (req.url ?? '').slice(1);
      hits.set(key, (hits.get(key) ?? 0) + 1);
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        res.end(`body of ${key}`);
      }, 300);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const worker = fileURLToPath(new URL('./test-utils/sqlite-worker.ts', import.meta.url));
      const readers = [];
      for (let p = 0; p < 3; p++) {
        const child = spawn(
          process.execPath,
          [
            `${root}node_modules/tsx/dist/cli.mjs`,
            '--tsconfig',
            `${root}tsconfig.base.json`,
            worker,
            file,
            origin,
            '3',
            '60',
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        children.push(child);
        readers.push(firstLines(child));
      }
      for (const read of readers) expect(await read()).toBe('ready');
      for (const child of children) child.stdin?.write('go\n');
      const results = (
        await Promise.all(readers.map(async (read) => JSON.parse(await read())))
      ).flat() as Array<{
        key: string;
        status: number;
        body: string;
      }>;
      expect(results).toHaveLength(180);
      for (const r of results) expect(r.body).toBe(`body of ${r.key}`);
      expect([...hits.entries()].sort()).toEqual([
        ['k0', 1],
        ['k1', 1],
        ['k2', 1],
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});
