// `pnpm test` / `npm test`: every check in order, stopping at the first failure, then a summary
// that always ends the output: each step's time and every test file that skipped tests, and why.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { formatSkips } from './test-support/skip-reporter.ts';

const steps = [
  ['lint', 'Biome: lint and format check'],
  ['typecheck', 'tsc (TypeScript 6) on every package, the demo and the benchmarks'],
  ['typecheck:ts7', 'TypeScript 7: the same sources, and the README/TSDoc examples'],
  ['test:unit', 'vitest with coverage (95% per package); builds and opens the API docs site'],
  ['check:package', 'publint and attw on every built package'],
];

rmSync('test-results/skips.json', { force: true });
const ran = [];
let failed;
for (const [script, what] of steps) {
  process.stdout.write(`\n== pnpm run ${script}: ${what}\n`);
  const start = performance.now();
  const r = spawnSync('pnpm', ['run', script], { stdio: 'inherit' });
  ran.push(`${script} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  if (r.status !== 0) {
    failed = script;
    break;
  }
}

process.stdout.write(`\n== summary\nsteps: ${ran.join(', ')}\n`);
let skipped = 0;
if (existsSync('test-results/skips.json')) {
  const { skips, services } = JSON.parse(readFileSync('test-results/skips.json', 'utf8'));
  skipped = skips.length;
  process.stdout.write(`${formatSkips(skips, services)}\n`);
} else if (!failed || steps.findIndex(([s]) => s === failed) > 3) {
  process.stdout.write('skipped: unknown (no test-results/skips.json)\n');
}
if (failed) {
  process.stdout.write(`FAILED at pnpm run ${failed} (see its output above)\n`);
  process.exit(1);
}
if (skipped > 0 && process.env.CI === 'true') {
  process.stdout.write('FAILED: CI=true and tests were skipped\n');
  process.exit(1);
}
process.stdout.write('all steps passed\n');
