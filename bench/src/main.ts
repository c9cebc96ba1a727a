// `pnpm bench [--quick | --smoke] [--only suite,suite] [--out path]`: runs every suite, prints
// the report and writes it to bench/RESULTS.md (or --out).
//   --quick  fewer and shorter rounds, smaller jobs (aim ~60 s)
//   --smoke  one tiny round of everything: proves the harness and every suite run (the test)
import './loader.js';
import { writeFileSync } from 'node:fs';
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
  client: () => import('./suites/client.js'),
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: new URL('../RESULTS.md', import.meta.url).pathname },
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

const startedAt = new Date();
const results: SuiteResult[] = [];
for (const [name, load] of Object.entries(suites)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  const t0 = Date.now();
  try {
    const suite = (await load()).default;
    results.push(await suite(ctx));
  } catch (error) {
    // A broken package must not hide the other suites' results: report it and go on.
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`bench: ${name} failed: ${message}\n`);
    target(name, 'suite runs to completion', `error: ${message.split('\n')[0]}`, false);
    results.push({
      title: name,
      workloads: [],
      extra: `**The suite failed:**\n\n\`\`\`\n${message}\n\`\`\``,
    });
  }
  process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
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
