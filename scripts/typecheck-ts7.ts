// `pnpm typecheck:ts7`: the same checks under TypeScript 7 (the native port, `tools/typescript-7`)
// that TypeScript 6 runs in `pnpm typecheck` and scripts/doc-examples:
//   1. `tsc -p tsconfig.json`: every package's sources (their public types), tests, demo, bench;
//   2. every README and TSDoc example, written as real files beside the document they come from
//      (so imports resolve as they would for a reader there) and checked in one `tsc` program.
// TypeScript 7 has no compiler API like 6's, so this drives its `tsc` and reads its diagnostics.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  collectSnippets,
  isChecked,
  isIgnoredDiagnostic,
  type Snippet,
  snippetModule,
} from './doc-examples.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'tools/typescript-7/node_modules/typescript/bin/tsc');
const CONFIG = 'tsconfig.doc-examples-ts7.json';

function runTsc(args: string[]): { status: number; output: string } {
  const r = spawnSync(process.execPath, [tsc, '--pretty', 'false', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const version = runTsc(['--version']).output.trim();
process.stdout.write(`${version} (${relative(root, tsc)})\n`);

// 1. The sources, with the repository's own tsconfig.
let started = performance.now();
const sources = runTsc(['-p', 'tsconfig.json']);
process.stdout.write(sources.output);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
process.stdout.write(
  `sources: ${sources.status === 0 ? 'ok' : 'FAILED'} (${seconds(started)} s)\n`,
);

// 2. The documentation's examples.
started = performance.now();
const snippets = collectSnippets(root).filter(isChecked);
const files = new Map<string, Snippet>();
for (const snippet of snippets) {
  const ext = snippet.lang === 'tsx' ? 'tsx' : 'ts';
  const name = `${dirname(snippet.file)}/.${basename(snippet.file)}-${snippet.line}.doc-example.${ext}`;
  files.set(name.replace(/^\.\//, ''), snippet);
}
// A snippet's third-party import (ky, zod, express…) that its own package does not depend on is
// found in another workspace, as scripts/doc-examples does for TypeScript 6: a `paths` entry to
// that package's type declarations.
const workspaces = ['packages', 'apps']
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}`))
  .sort();
const basePaths = (await import('../tsconfig.base.json', { with: { type: 'json' } })).default
  .compilerOptions.paths as Record<string, string[]>;
const fallbackPaths: Record<string, string[]> = {};
for (const [name, snippet] of files) {
  for (const m of snippet.code.matchAll(
    /\bfrom\s+'([^'.][^']*)'|\bimport\s*\(\s*'([^'.][^']*)'\s*\)/g,
  )) {
    const spec = m[1] ?? m[2] ?? '';
    if (spec.startsWith('node:') || spec.startsWith('@brace/') || spec in fallbackPaths) continue;
    if (resolvable(spec, dirname(join(root, name)))) continue;
    // The package's own declarations, else its DefinitelyTyped ones (`pg` → `@types/pg`).
    const typesPackage = `@types/${spec.startsWith('@') ? spec.slice(1).replace('/', '__') : spec}`;
    for (const ws of workspaces) {
      const modules = join(root, ws, 'node_modules');
      const types = typesOf(join(modules, spec)) ?? typesOf(join(modules, typesPackage));
      if (types) {
        fallbackPaths[spec] = [`./${relative(root, types)}`];
        break;
      }
    }
  }
}
/** Whether a bare specifier's package is in a node_modules at or above `dir`. */
function resolvable(spec: string, dir: string): boolean {
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  for (let d = dir; d.startsWith(root); d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', pkg ?? spec))) return true;
    if (d === root) break;
  }
  return false;
}
/** The type declarations of the package (or package subpath) directory `dir`, if any. */
function typesOf(dir: string): string | undefined {
  if (!existsSync(join(dir, 'package.json'))) return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const dot = typeof pkg.exports === 'object' && pkg.exports ? pkg.exports['.'] : undefined;
  const candidates = [
    dot?.types,
    dot?.import?.types,
    dot?.default?.types,
    pkg.types,
    pkg.typings,
    'index.d.ts',
  ];
  for (const c of candidates) {
    if (typeof c === 'string' && existsSync(join(dir, c))) return join(dir, c);
  }
  return undefined;
}
const config = {
  extends: './tsconfig.base.json',
  compilerOptions: {
    noEmit: true,
    declaration: false,
    sourceMap: false,
    paths: { ...basePaths, ...fallbackPaths },
  },
  files: [...files.keys()],
};
const failures: string[] = [];
try {
  for (const [name, snippet] of files) writeFileSync(join(root, name), snippetModule(snippet));
  writeFileSync(join(root, CONFIG), JSON.stringify(config, null, 2));
  const result = runTsc(['-p', CONFIG]);
  for (const line of result.output.split('\n')) {
    const m = /^(.+?)\((\d+),\d+\): error TS(\d+): (.*)$/.exec(line);
    if (!m) continue;
    const [, file = '', row = '0', code = '0', message = ''] = m;
    const snippet = files.get(relative(root, join(root, file)));
    if (snippet && isIgnoredDiagnostic(Number(code))) continue;
    const where = snippet ? `${snippet.file}:${snippet.line + Number(row)}` : `${file}:${row}`;
    failures.push(`${where}: TS${code} ${message}`);
  }
  if (result.status !== 0 && failures.length === 0 && !/error TS/.test(result.output)) {
    failures.push(`tsc failed without diagnostics:\n${result.output}`);
  }
} finally {
  for (const name of files.keys()) rmSync(join(root, name), { force: true });
  rmSync(join(root, CONFIG), { force: true });
}
for (const failure of failures) process.stdout.write(`${failure}\n`);
process.stdout.write(
  `doc examples: ${files.size} snippets checked, ${failures.length} failures (${seconds(started)} s)\n`,
);
process.exitCode = sources.status === 0 && failures.length === 0 ? 0 : 1;
