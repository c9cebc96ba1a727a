// @brace/simulator under load: requests per second on loopback with faults on, beside a bare
// node:http server giving the same answer, measured in the same run with autocannon. Each
// server runs in its own process; autocannon drives it from this one.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';

const SERVER = fileURLToPath(new URL('./simulator-server.ts', import.meta.url));
type Mode = 'bare' | 'sim' | 'faults';

async function startServer(mode: Mode): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, SERVER, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      const match = /listening (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the ${mode} server exited with ${code}`)));
  });
  return { url, child };
}

async function load(
  url: string,
  seconds: number,
): Promise<{ rps: number; non2xx: number; errors: number }> {
  const result = await autocannon({ url: `${url}/items`, connections: 32, duration: seconds });
  return { rps: result.requests.average, non2xx: result.non2xx, errors: result.errors };
}

const suite: Suite = async (ctx) => {
  const seconds = ctx.smoke ? 1 : ctx.quick ? 3 : 8;
  const rounds = ctx.smoke ? 1 : ctx.quick ? 1 : 3;
  const measured: Record<Mode, number[]> = { bare: [], sim: [], faults: [] };
  const faultShare: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['bare', 'sim', 'faults'] as const) {
      const { url, child } = await startServer(mode);
      try {
        if (!ctx.smoke) await load(url, 1); // warm-up
        const r = await load(url, seconds);
        measured[mode].push(r.rps);
        if (mode === 'faults') faultShare.push(r.non2xx / Math.max(1, r.rps * seconds));
      } finally {
        child.kill('SIGTERM');
      }
    }
  }
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const bare = median(measured.bare);
  const sim = median(measured.sim);
  const faults = median(measured.faults);
  const share = median(faultShare);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  target(
    'simulator',
    '≥ 5,000 requests/s on loopback with faults on',
    `${fmt(faults)} req/s`,
    faults >= 5000,
  );
  const extra = [
    `autocannon, 32 connections, ${seconds} s per run after a 1 s warm-up, median of ${rounds} round(s); each server in its own process. \`GET /items\` answers \`{"data":[]}\`.`,
    '',
    '| server | requests/s | vs bare node:http |',
    '|---|---:|---:|',
    `| bare node:http (same answer) | ${fmt(bare)} | 1.00× |`,
    `| simulator, no faults, no limit | ${fmt(sim)} | ${(sim / bare).toFixed(2)}× |`,
    `| simulator, faults on (5% 503, 5% 429) + rolling-window limit | ${fmt(faults)} | ${(faults / bare).toFixed(2)}× |`,
    '',
    `With faults on, ${(share * 100).toFixed(1)}% of the answers were injected errors.`,
  ].join('\n');
  return { title: 'simulator', workloads: [], extra, libraries: ['autocannon'] };
};

export default suite;
