// A vitest reporter that lists, at the end of the run, every test file that skipped tests and
// the notice it printed (why: no server, no Chromium), and writes the same list to
// test-results/skips.json for the end of `pnpm test`. Under CI=true any skip fails the run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule, UserConsoleLog } from 'vitest/node';

/** One test file that skipped tests, with the notices it printed. */
export interface SkippedFile {
  file: string;
  project: string;
  skipped: number;
  total: number;
  reasons: string[];
}

/** What the skip summary prints: one line per file, then the services the run found. */
export function formatSkips(skips: readonly SkippedFile[], services: readonly string[]): string {
  const lines: string[] = [];
  const total = skips.reduce((n, s) => n + s.skipped, 0);
  if (skips.length === 0) lines.push('skipped: none (every test ran)');
  else {
    lines.push(`SKIPPED: ${total} test(s), not run, in ${skips.length} file(s)`);
    for (const s of skips) {
      const why = s.reasons.length ? s.reasons.join('; ') : 'no reason printed';
      lines.push(`  - ${s.file} [${s.project}]: ${s.skipped} of ${s.total} skipped: ${why}`);
    }
  }
  for (const note of services) lines.push(`  services: ${note}`);
  return lines.join('\n');
}

export default class SkipReporter implements Reporter {
  private readonly notices = new Map<string, string[]>();

  onUserConsoleLog(log: UserConsoleLog): void {
    if (!log.taskId || !/skipp/i.test(log.content)) return;
    const list = this.notices.get(log.taskId) ?? [];
    const text = log.content.trim().replace(/\s+/g, ' ');
    if (!list.includes(text)) list.push(text);
    this.notices.set(log.taskId, list);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skips: SkippedFile[] = [];
    for (const module of testModules) {
      const tests = [...module.children.allTests()];
      const skipped = tests.filter((t) => t.result().state === 'skipped');
      if (skipped.length === 0) continue;
      const ids = new Set([module.id, ...tests.map((t) => t.id)]);
      const reasons = [...ids].flatMap((id) => this.notices.get(id) ?? []);
      skips.push({
        file: relative(process.cwd(), module.moduleId),
        project: module.project.name,
        skipped: skipped.length,
        total: tests.length,
        reasons: [...new Set(reasons)],
      });
    }
    const services = (process.env.BRACE_SERVICES ?? '').split('\n').filter(Boolean);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/skips.json', `${JSON.stringify({ skips, services }, null, 2)}\n`);
    process.stdout.write(`\n${formatSkips(skips, services)}\n`);
    if (process.env.CI === 'true' && skips.length > 0) {
      process.stdout.write('CI=true: nothing may be skipped, failing the run.\n');
      process.exitCode = 1;
    }
  }
}
