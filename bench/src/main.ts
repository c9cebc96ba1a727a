// `pnpm bench [--quick | --smoke] [--only suite,suite] [--out path]`: runs every suite, prints
// the report and writes it to bench/RESULTS.md (or --out).
//   --quick  fewer and shorter rounds, smaller jobs (aim ~60 s)
//   --smoke  one tiny round of everything: proves the harness and every suite run (the test)
// Each suite runs in a process of its own (this script again, with --suite-json), so no suite
// measures another's leftovers: its heap, open handles and warmed-up code paths. Contenders of
// one workload always share a process, so their ratios are still measured within one run.
import './loader.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport } from './report.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';
import { allTargets, target } from './targets.js';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './util.js';

const suites: Record<string, () => Promise<{ default: Suite }>> = {
  backoff: () => import('./suites/backoff.js'),
  'rate-limit': () => import('./suites/rate-limit.js'),
  idempotency: () => import('./suites/idempotency.js'),
  'webhook-verify': () => import('./suites/webhook-verify.js'),
  'problem-details': () => import('./suites/problem-details.js'),
  'schema-guard': () => import('./suites/schema-guard.js'),
  cache: () => import('./suites/cache.js'),
  client: () => import('./suites/client.js'),
  simulator: () => import('./suites/simulator.js'),
  telemetry: () => import('./suites/telemetry.js'),
  auth: () => import('./suites/auth.js'),
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: new URL('../RESULTS.md', import.meta.url).pathname },
    'suite-json': { type: 'string' },
  },
});

const smoke = values.smoke ?? false;
const quick = smoke || (values.quick ?? false);
const ctx: SuiteContext = {
  quick,
  smoke,
  rounds: smoke ? 1 : quick ? 5 : 9,
  roundMs: smoke ? 5 : quick ? 50 : 200,
  redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
};
const only = values.only?.split(',').filter(Boolean);
const unknown = only?.filter((name) => !(name in suites)) ?? [];
if (unknown.length > 0) {
  console.error(
    `unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`,
  );
  process.exit(2);
}

/** Runs one suite here and writes its result and targets as JSON (the child's side). */
async function runHere(name: string): Promise<SuiteResult> {
  try {
    const suite = (await (suites[name] as () => Promise<{ default: Suite }>)()).default;
    return await suite(ctx);
  } catch (error) {
    // A broken package must not hide the other suites' results: report it and go on.
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`bench: ${name} failed: ${message}\n`);
    target(name, 'suite runs to completion', `error: ${message.split('\n')[0]}`, false);
    return {
      title: name,
      workloads: [],
      extra: `**The suite failed:**\n\n\`\`\`\n${message}\n\`\`\``,
    };
  }
}

const childJson = values['suite-json'];
if (childJson !== undefined) {
  const name = only?.[0] as string;
  const result = await runHere(name);
  writeFileSync(childJson, JSON.stringify({ result, targets: allTargets() }));
  process.exit(0);
}

/** Runs one suite in a child process and takes over its result and targets. */
function runIsolated(name: string, dir: string): SuiteResult {
  const file = join(dir, `${name}.json`);
  const flags = [...(smoke ? ['--smoke'] : quick ? ['--quick'] : [])];
  const run = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1] as string,
      ...flags,
      '--only',
      name,
      '--suite-json',
      file,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: process.env },
  );
  try {
    const { result, targets } = JSON.parse(readFileSync(file, 'utf8')) as {
      result: SuiteResult;
      targets: Array<{ area: string; description: string; measured: string; pass: boolean }>;
    };
    for (const t of targets) target(t.area, t.description, t.measured, t.pass);
    return result;
  } catch {
    const why = run.error?.message ?? `exit ${run.status ?? run.signal}`;
    target(
      name,
      'suite runs to completion',
      `error: the suite process ended without a result (${why})`,
      false,
    );
    return {
      title: name,
      workloads: [],
      extra: `**The suite failed:** its process ended without a result (${why}).`,
    };
  }
}

const startedAt = new Date();
const results: SuiteResult[] = [];
const dir = mkdtempSync(join(tmpdir(), 'brace-bench-'));
try {
  for (const name of Object.keys(suites)) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const t0 = Date.now();
    results.push(runIsolated(name, dir));
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const report = renderReport(results, allTargets(), {
  quick,
  smoke,
  startedAt,
  durationMs: Date.now() - startedAt.getTime(),
});
writeFileSync(values.out as string, report);
process.stdout.write(report);
process.stderr.write(`bench: report written to ${values.out}\n`);
// Open handles (sockets, timers of peers) must not keep the process alive.
process.exit(0);
