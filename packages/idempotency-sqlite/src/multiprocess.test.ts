import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'brace-sqlite-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('several processes on one file, no busy timeout (the setup that double-acquired)', () => {
  it('4 processes × 50 keys × 16 duplicates (as in the review): no key is ever acquired twice', async () => {
    const file = join(dir, 'mp.db');
    const setup = new DatabaseSync(file);
    await sqliteStore({ database: setup }).migrate();
    setup.close();
    const tsx = join(root, 'node_modules/.bin/tsx');
    const worker = fileURLToPath(new URL('./test-utils/claim-worker.ts', import.meta.url));
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(tsx, ['--tsconfig', join(root, 'tsconfig.base.json'), worker, file, '50', '16'], {
          timeout: 60_000,
        }),
      ),
    );
    const results = outputs.map(
      (o) => JSON.parse(o.stdout.trim()) as { acquired: string[]; failed: number; other: number },
    );
    const counts = new Map<string, number>();
    for (const r of results)
      for (const key of r.acquired) counts.set(key, (counts.get(key) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    // Every attempt is accounted for: acquired, in progress, or a typed failure (→ 503).
    const attempts = results.reduce((n, r) => n + r.acquired.length + r.failed + r.other, 0);
    expect(attempts).toBe(4 * 50 * 16);
    // What was reported acquired is exactly what the file holds.
    const check = new DatabaseSync(file);
    const rows = check.prepare('SELECT count(*) AS n FROM brace_idempotency').get() as {
      n: number;
    };
    check.close();
    expect(rows.n).toBe(counts.size);
  });
});
