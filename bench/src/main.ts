// `pnpm bench [--quick] [--only suite,suite] [--out path]`: runs every suite, prints the report
// and writes it to bench/RESULTS.md (or --out).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderReport } from './report.ts';
import type { Suite, SuiteContext, SuiteResult } from './suite.ts';
import { allTargets } from './targets.ts';

const suites: Record<string, () => Promise<{ default: Suite }>> = {
  // Filled in as suites are written: name → lazy import of ./suites/<name>.ts
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: new URL('../RESULTS.md', import.meta.url).pathname },
  },
});

const quick = values.quick ?? false;
const ctx: SuiteContext = {
  quick,
  rounds: quick ? 3 : 9,
  roundMs: quick ? 40 : 200,
  ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
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
  const suite = (await load()).default;
  results.push(await suite(ctx));
}
const report = renderReport(results, allTargets(), {
  quick,
  startedAt,
  durationMs: Date.now() - startedAt.getTime(),
});
writeFileSync(values.out as string, report);
process.stdout.write(report);
process.stderr.write(`bench: report written to ${values.out}\n`);
