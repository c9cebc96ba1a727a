// Proves the harness works end to end: one `--smoke` run (every suite, minimal rounds) writes a
// report with every section and target lines. It asserts the report's shape, never the numbers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SECTIONS = [
  'backoff',
  'rate-limit',
  'idempotency',
  'webhook-verify',
  'problem-details',
  'schema-guard',
  'cache',
  'client',
  'telemetry',
  'webhook-inbox',
  'simulator',
  'auth',
];

test('pnpm bench --smoke writes a report with every section and target lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brace-bench-'));
  const out = join(dir, 'RESULTS.md');
  try {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const run = spawnSync(
      process.execPath,
      [tsx, '--tsconfig', '../tsconfig.base.json', 'src/main.ts', '--smoke', '--out', out],
      { cwd, encoding: 'utf8', timeout: 200_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const report = readFileSync(out, 'utf8');
    expect(report).toMatch(/^# Brace benchmarks/);
    expect(report).toMatch(/^- Node \d+/m);
    for (const s of SECTIONS) {
      expect(report).toContain(`\n## ${s}\n`);
      expect(report).toMatch(
        new RegExp(`^- \\*\\*(PASS|FAIL)\\*\\* \`${s}(-[a-z]+)?\` .+: measured .+$`, 'm'),
      );
    }
    expect(report).not.toContain('suite runs to completion');
    expect(report).toMatch(/^## Targets \(\d+\/\d+ pass\)$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);
