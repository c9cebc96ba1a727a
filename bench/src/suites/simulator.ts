// @brace/simulator under load: requests per second on loopback with faults on, beside a bare
// node:http server giving the same answer, measured in the same run with autocannon. Each
// server runs in its own process; autocannon drives it from this one. Besides requests per
// second, each server reports the CPU time it spent per request (steadier on a shared machine).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';

const SERVER = fileURLToPath(new URL('./simulator-server.ts', import.meta.url));
type Mode = 'bare' | 'sim' | 'faults';

interface Server {
  url: string;
  child: ChildProcess;
  /** The server process's CPU time so far, µs. */
  cpu(): Promise<number>;
}

async function startServer(mode: Mode): Promise<Server> {
  const child = spawn(process.execPath, [...process.execArgv, SERVER, mode], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const waiting: ((us: number) => void)[] = [];
  let lines = '';
  child.stdout?.on('data', (chunk) => {
    lines += String(chunk);
    for (let n = lines.indexOf('\n'); n >= 0; n = lines.indexOf('\n')) {
      const match = /^cpu (\d+)$/.exec(lines.slice(0, n));
      lines = lines.slice(n + 1);
      if (match) waiting.shift()?.(Number(match[1]));
    }
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
  const cpu = () =>
    new Promise<number>((resolve) => {
      waiting.push(resolve);
      child.stdin?.write('cpu\n');
    });
  return { url, child, cpu };
}

async function load(
  url: string,
  seconds: number,
): Promise<{ rps: number; total: number; non2xx: number; errors: number }> {
  const result = await autocannon({ url: `${url}/items`, connections: 32, duration: seconds });
  return {
    rps: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const suite: Suite = async (ctx) => {
  const seconds = ctx.smoke ? 1 : ctx.quick ? 3 : 8;
  const rounds = ctx.smoke ? 1 : ctx.quick ? 1 : 3;
  const measured: Record<Mode, number[]> = { bare: [], sim: [], faults: [] };
  const cpuPerRequest: Record<Mode, number[]> = { bare: [], sim: [], faults: [] };
  const faultShare: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['bare', 'sim', 'faults'] as const) {
      const { url, child, cpu } = await startServer(mode);
      try {
        if (!ctx.smoke) await load(url, 1); // warm-up
        const before = await cpu();
        const r = await load(url, seconds);
        cpuPerRequest[mode].push(((await cpu()) - before) / Math.max(1, r.total));
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
  const [bareCpu, simCpu, faultsCpu] = (['bare', 'sim', 'faults'] as const).map((m) =>
    median(cpuPerRequest[m]),
  ) as [number, number, number];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const us = (n: number) => `${n.toFixed(1)} µs`;
  target(
    'simulator',
    '≥ 5,000 requests/s on loopback with faults on',
    `${fmt(faults)} req/s`,
    faults >= 5000,
  );
  const extra = [
    `autocannon, 32 connections, ${seconds} s per run after a 1 s warm-up, median of ${rounds} round(s); each server in its own process. \`GET /items\` answers \`{"data":[]}\`.`,
    '',
    '| server | requests/s | vs bare node:http | server CPU per request | vs bare |',
    '|---|---:|---:|---:|---:|',
    `| bare node:http (same answer) | ${fmt(bare)} | 1.00× | ${us(bareCpu)} | 1.00× |`,
    `| simulator, no faults, no limit | ${fmt(sim)} | ${(sim / bare).toFixed(2)}× | ${us(simCpu)} | ${(simCpu / bareCpu).toFixed(2)}× |`,
    `| simulator, faults on (5% 503, 5% 429) + rolling-window limit | ${fmt(faults)} | ${(faults / bare).toFixed(2)}× | ${us(faultsCpu)} | ${(faultsCpu / bareCpu).toFixed(2)}× |`,
    '',
    `With faults on, ${(share * 100).toFixed(1)}% of the answers were injected errors. Server CPU per request is the server process's user + system time during the run over the requests answered; requests/s is bounded by the load generator on the same machine, CPU per request is not.`,
  ].join('\n');
  return { title: 'simulator', workloads: [], extra, libraries: ['autocannon'] };
};

export default suite;
