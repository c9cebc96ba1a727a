import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from './multi-process.js';

describe('workspaceRoot', () => {
  it('finds the folder with pnpm-workspace.yaml above this file, wherever the checkout is', () => {
    const root = workspaceRoot();
    expect(existsSync(join(root, 'pnpm-workspace.yaml'))).toBe(true);
    expect(existsSync(join(root, 'tsconfig.base.json'))).toBe(true);
    expect(fileURLToPath(import.meta.url).startsWith(root)).toBe(true);
    expect(workspaceRoot(join(root, 'packages', 'auth', 'src'))).toBe(root);
  });

  it('says so when there is none above the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brace-no-workspace-'));
    try {
      expect(() => workspaceRoot(dir)).toThrow(/No pnpm-workspace.yaml above/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
