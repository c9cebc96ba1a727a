#!/usr/bin/env node
// Scaffolds packages/<name> in the shape DESIGN.md gives.
// Usage: node scripts/new-package.mjs <name> "<one-line description>" [subpath ...]
// A subpath "ky" becomes the export "./ky" built from src/ky.ts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...subpaths] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name) || !description) {
  console.error('usage: node scripts/new-package.mjs <name> "<description>" [subpath ...]');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir} already exists`);
  process.exit(2);
}
mkdirSync(join(dir, 'src'), { recursive: true });

const entry = (sub) => ({
  types: `./dist/${sub}.d.ts`,
  default: `./dist/${sub}.js`,
});
const exportsMap = { '.': entry('index') };
for (const sub of subpaths) exportsMap[`./${sub}`] = entry(sub);
exportsMap['./package.json'] = './package.json';

const pkg = {
  name: `@brace/${name}`,
  version: '0.0.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=22' },
  exports: exportsMap,
  files: ['dist'],
  keywords: ['brace', 'http', 'api', 'ky'],
  repository: { type: 'git', url: 'git+https://github.com/brace-dev/brace.git', directory: dir },
  publishConfig: { access: 'public', provenance: true },
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    'check:package': 'publint --strict && attw --pack . --profile esm-only',
    test: `cd ../.. && BRACE_PACKAGES=${name} vitest run --coverage`,
  },
  dependencies: name === 'core' ? {} : { '@brace/core': 'workspace:^' },
};
const json = (v) => `${JSON.stringify(v, null, 2)}\n`;
writeFileSync(join(dir, 'package.json'), json(pkg));
writeFileSync(
  join(dir, 'tsconfig.json'),
  json({ extends: '../../tsconfig.base.json', include: ['src'] }),
);
writeFileSync(
  join(dir, 'tsconfig.build.json'),
  json({
    extends: '../../tsconfig.base.json',
    compilerOptions: { paths: {} },
    include: ['src'],
    exclude: ['src/**/*.test.ts', 'src/**/*.test-d.ts'],
  }),
);
const entries = ['src/index.ts', ...subpaths.map((s) => `src/${s}.ts`)];
writeFileSync(
  join(dir, 'tsup.config.ts'),
  `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ${JSON.stringify(entries)},
  format: ['esm'],
  target: 'es2023',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
`,
);
writeFileSync(
  join(dir, 'typedoc.json'),
  json({ extends: ['../../typedoc.base.json'], entryPoints: entries }),
);
console.log(`created ${dir}`);
