// Runs the whole suite twice: once with the node:crypto backend (the `node` export condition)
// and once with the Web Crypto backend (the `default` condition).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { braceAlias } from '../../vitest.shared.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const aliases = Array.isArray(braceAlias) ? braceAlias : [];

function project(name: 'node' | 'web') {
  return {
    resolve: {
      alias: [{ find: /^#crypto$/, replacement: here(`./src/crypto-${name}.ts`) }, ...aliases],
    },
    test: {
      name: `webhook-verify:${name}`,
      root: here('../..'),
      include: ['packages/webhook-verify/src/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      env: { WEBHOOK_VERIFY_BACKEND: name },
      // The root config's budgets (this project does not extend it): vitest's 5 s default is
      // too short for the 2,000-case differential tests when another file runs beside them.
      testTimeout: 20_000,
      hookTimeout: 30_000,
      typecheck: {
        enabled: name === 'node',
        include: ['packages/webhook-verify/src/**/*.test-d.ts'],
        tsconfig: here('../../tsconfig.typetests.json'),
      },
    },
  };
}

export default defineConfig({
  test: {
    projects: [project('node'), project('web')],
  },
});
