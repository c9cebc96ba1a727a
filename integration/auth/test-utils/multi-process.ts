// Parent side of the multi-process tests: bundles a worker once (esbuild, so each spawn is a
// plain `node` start), spawns workers, reads their line protocol, kills only what it spawned.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ChildConfig } from './child-main.js';

/** The workspace root: the nearest folder above this file that holds `pnpm-workspace.yaml`. */
export function workspaceRoot(from = fileURLToPath(new URL('.', import.meta.url))): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No pnpm-workspace.yaml above ${from}.`);
  }
}

const root = workspaceRoot();

/** Bundles `entry` (a worker .ts) into a temp .mjs; returns its path and a cleanup. */
export async function bundleWorker(entry: string): Promise<{ file: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'brace-auth-worker-'));
  const file = join(dir, 'worker.mjs');
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    tsconfig: join(root, 'tsconfig.base.json'),
    external: ['pg-native', 'cloudflare:sockets'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A spawned worker and its line stream. */
export interface Worker {
  process: ChildProcess;
  onLine(listener: (line: string) => void): void;
  send(line: string): void;
  exited: Promise<number | null>;
}

/** Spawns `node file <config>`; stderr is kept for failure messages. */
export function spawnWorker(
  file: string,
  config: ChildConfig,
  env: Record<string, string>,
): Worker {
  const child = spawn(process.execPath, [file, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stdin.on('error', () => {}); // a worker killed mid-write: its pipe is gone
  const listeners: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    for (const f of listeners) f(l);
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
    if (stderr.length > 4000) stderr = stderr.slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return {
    process: child,
    onLine: (f) => listeners.push(f),
    send: (l) => {
      if (child.exitCode === null && child.signalCode === null && !child.killed) {
        child.stdin.write(`${l}\n`);
      }
    },
    exited,
  };
}

/** Resolves when `worker` prints `text` (or a line starting with it). */
export function waitForLine(worker: Worker, text: string): Promise<string> {
  return new Promise((resolve) => worker.onLine((l) => l.startsWith(text) && resolve(l)));
}
