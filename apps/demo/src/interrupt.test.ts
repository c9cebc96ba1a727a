import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const APP = fileURLToPath(new URL('..', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('Ctrl-C', () => {
  it('stops the demo, removes its temporary SQLite store and exits 130', {
    timeout: 60_000,
  }, async () => {
    // A TMPDIR of its own, so the run's store directory is easy to watch (tsx adds its cache).
    const dir = await mkdtemp(join(tmpdir(), 'brace-demo-interrupt-'));
    // tsx as a loader, not its CLI: the CLI's parent process relays signals and SIGKILLs a
    // child that does not acknowledge one within 30 ms, which would make this test flaky.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--store', 'sqlite', '--links', '5000', '--rate', '50'],
      {
        cwd: APP,
        env: { ...process.env, TMPDIR: dir, TSX_TSCONFIG_PATH: TSCONFIG },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const stores = async () => (await readdir(dir)).filter((n) => n.startsWith('brace-demo-'));
    try {
      // Interrupt once the run's store exists (the naive campaign is under way).
      const deadline = Date.now() + 30_000;
      while ((await stores()).length === 0) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(stderr);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A terminal's Ctrl-C can reach the demo twice (from the terminal, and relayed by pnpm
      // or tsx): the repeat, shortly after, must not cut the cleanup short.
      child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (child.exitCode === null) child.kill('SIGINT');
      expect(await exited).toEqual({ code: 130, signal: null });
      expect(stderr).toContain('interrupted');
      expect(stdout).toBe('');
      expect(await stores()).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
