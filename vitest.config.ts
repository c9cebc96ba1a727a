import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { braceAlias } from './vitest.shared.ts';

// BRACE_PACKAGES=core,backoff narrows a run (tests and coverage) to those packages.
const only = process.env.BRACE_PACKAGES?.split(',').filter(Boolean);
const all = readdirSync('packages').filter((p) => existsSync(`packages/${p}/package.json`));
const packages = only ?? all;
// A package with its own vitest.config.ts (extending vitest.shared.ts) runs as its own project.
const ownProjects = packages.filter((p) => existsSync(`packages/${p}/vitest.config.ts`));
const plain = packages.filter((p) => !ownProjects.includes(p));
const includeOthers = !only || only.some((p) => p === 'demo' || p === 'bench');
// integration/<package>: tests of a package against a sibling it may not depend on (see its README).
const integration = packages.filter((p) => existsSync(`integration/${p}`));

const ky21 = fileURLToPath(import.meta.resolve('ky-2.1'));
const braceAliasList = Array.isArray(braceAlias) ? braceAlias : [];

export default defineConfig({
  resolve: { alias: braceAlias },
  test: {
    // The JSON report is what .ci/run counts passed and failed tests from.
    // skip-reporter lists every skipped file and why at the end (and fails under CI=true).
    reporters: ['default', 'json', './scripts/test-support/skip-reporter.ts'],
    outputFile: { json: 'test-results/vitest.json' },
    // vitest's default is one worker fewer than the cores: one worker on a 2-core machine, which
    // runs every file in turn although most wait on sockets, child processes or Chromium. Two at
    // least (measured on 2 cores: 823 s with one, 632 s with two at load 10).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Finds Redis and PostgreSQL on their default local ports when REDIS_URL/DATABASE_URL are unset.
    globalSetup: ['./scripts/test-support/services.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'packages',
          include: [
            ...plain.map((p) => `packages/${p}/src/**/*.test.ts`),
            ...integration.map((p) => `integration/${p}/**/*.test.ts`),
            ...(includeOthers
              ? ['apps/*/src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts']
              : []),
          ],
          exclude: ['**/node_modules/**', '**/dist/**'],
          typecheck: {
            enabled: true,
            include: plain.map((p) => `packages/${p}/src/**/*.test-d.ts`),
            tsconfig: './tsconfig.typetests.json',
          },
        },
      },
      {
        // The ky-facing tests again on the lowest ky the peer ranges allow (the devDependency
        // `ky-2.1` is npm:ky@2.1.0); the project above runs them on the latest (ky 2.2).
        extends: true,
        resolve: { alias: [{ find: /^ky$/, replacement: ky21 }, ...braceAliasList] },
        test: {
          name: 'ky-2.1',
          include: [
            ...plain.map((p) => `packages/${p}/src/**/ky*.test.ts`),
            ...integration.map((p) => `integration/${p}/**/ky*.test.ts`),
          ],
          exclude: ['**/node_modules/**', '**/dist/**'],
        },
      },
      ...ownProjects.map((p) => `packages/${p}/vitest.config.ts`),
    ],
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'json-summary'],
      include: packages.map((p) => `packages/${p}/src/**/*.ts`),
      exclude: ['**/*.test.ts', '**/*.test-d.ts', '**/test-utils/**', '**/*.fixture.ts'],
      // 95% lines and branches, enforced for each package on its own.
      thresholds: Object.fromEntries(
        packages.map((p) => [`packages/${p}/src/**/*.ts`, { lines: 95, branches: 95 }]),
      ),
    },
  },
});
