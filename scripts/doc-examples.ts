// Typechecks the documentation's code: every ts/typescript/tsx block in the READMEs and every
// fenced ts block in a TSDoc `@example` of packages/*/src, against the packages' current sources.
// One in-memory TypeScript program, one virtual module per snippet (`<file>:<line>.ts`).
// Run: `node scripts/doc-examples.ts` (prints `file:line: TSxxxx message` per failure), or the test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** A fenced code block found in a README or a TSDoc `@example`. */
export interface Snippet {
  /** Source file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence; the code starts on the next line. */
  line: number;
  /** First word of the info string, lower-cased (`ts`, `sh`, …). */
  lang: string;
  /** True when the info string carries the `no-check` marker. */
  noCheck: boolean;
  code: string;
}

/** A diagnostic TypeScript reported for a snippet (or a checked file). */
export interface DocFailure {
  file: string;
  /** 1-based line in `file`. */
  line: number;
  code: number;
  message: string;
}

/** Languages whose blocks are typechecked. */
export const CHECKED_LANGS: ReadonlySet<string> = new Set(['ts', 'typescript', 'tsx']);

/** Info-string word that exempts a block on purpose (pseudo-code, a partial transcript). */
export const NO_CHECK = 'no-check';

/**
 * Diagnostics snippets may raise: their placeholders (`logger`, `db`, `orders`…) are undeclared
 * names. 2304 Cannot find name, 2552 Cannot find name (did you mean), 2582/2593 test globals.
 */
export const IGNORED_DIAGNOSTICS: ReadonlySet<number> = new Set([2304, 2552, 2582, 2593]);

const OPEN_FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/;

/** Whether TypeScript diagnostic `code` is one a snippet's placeholders may cause. */
export function isIgnoredDiagnostic(code: number): boolean {
  return IGNORED_DIAGNOSTICS.has(code);
}

/** Whether a snippet is to be typechecked: a ts/typescript/tsx block without `no-check`. */
export function isChecked(snippet: Snippet): boolean {
  return CHECKED_LANGS.has(snippet.lang) && !snippet.noCheck;
}

/**
 * Fenced code blocks (CommonMark ``` or ~~~, indented up to 3 spaces) in Markdown `text`.
 * `firstLine` is the 1-based line number of `text`'s first line in `file`.
 */
export function parseFences(text: string, file: string, firstLine = 1): Snippet[] {
  const lines = text.split(/\r?\n/);
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN_FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const words = info.trim().split(/\s+/).filter(Boolean);
    const closing = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !closing.test(lines[j] ?? '')) {
      body.push(stripIndent(lines[j] ?? '', indent.length));
      j++;
    }
    snippets.push({
      file,
      line: firstLine + i,
      lang: (words[0] ?? '').toLowerCase(),
      noCheck: words.slice(1).includes(NO_CHECK),
      code: body.join('\n'),
    });
    i = j;
  }
  return snippets;
}

function stripIndent(line: string, width: number): string {
  let n = 0;
  while (n < width && line[n] === ' ') n++;
  return line.slice(n);
}

/** The text of a `/** … *\/` comment's lines without the comment syntax and leading ` * `. */
export function commentLines(comment: string): string[] {
  return comment.split(/\r?\n/).map((raw, i, all) => {
    let line = raw.trim();
    if (i === 0) line = line.replace(/^\/\*\* ?/, '');
    if (i === all.length - 1) line = line.replace(/\*\/$/, '');
    return i === 0 ? line : line.replace(/^\* ?/, '');
  });
}

/**
 * Fenced code blocks inside the `@example` sections of the TSDoc comments in `source`.
 * A section runs from `@example` to the next block tag (outside a fence) or the comment's end.
 */
export function extractTsDocExamples(source: string, file: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = lineOf(source, match.index);
    const lines = commentLines(match[0]);
    const inExample = exampleLines(lines);
    for (const snippet of parseFences(lines.join('\n'), file, startLine)) {
      if (inExample[snippet.line - startLine]) snippets.push(snippet);
    }
  }
  return snippets;
}

/** For each comment line, whether it lies in an `@example` section. */
function exampleLines(lines: readonly string[]): boolean[] {
  let inExample = false;
  let fence: string | undefined;
  return lines.map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker?.startsWith(fence)) fence = undefined;
      return inExample;
    }
    if (marker) fence = marker;
    else if (/^@[a-zA-Z]/.test(line)) inExample = line.startsWith('@example');
    return inExample;
  });
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The virtual module for a snippet: its code, made a module so top-level await is allowed. */
export function snippetModule(snippet: Snippet): string {
  return `${snippet.code}\nexport {};\n`;
}

/** The virtual file name of a snippet, relative to the root: `packages/x/README.md:42.ts`. */
export function snippetFileName(snippet: Snippet): string {
  return `${snippet.file}:${snippet.line}.${snippet.lang === 'tsx' ? 'tsx' : 'ts'}`;
}

/** `file:line: TSxxxx message`, one line. */
export function formatFailure(failure: DocFailure): string {
  return `${failure.file}:${failure.line}: TS${failure.code} ${failure.message}`;
}

/** The Markdown whose code is checked: the root README, the guides, each package's and app's README. */
export function readmeFiles(root: string): string[] {
  const inside = (dir: string) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .sort()
          .map((name) => `${dir}/${name}/README.md`)
      : [];
  const guides = existsSync(join(root, 'guides'))
    ? readdirSync(join(root, 'guides'), { recursive: true })
        .map((name) => String(name).split('\\').join('/'))
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => `guides/${name}`)
    : [];
  return ['README.md', ...guides, ...inside('packages'), ...inside('apps')].filter((file) =>
    existsSync(join(root, file)),
  );
}

/** The package sources whose TSDoc is checked (no tests, type tests or test-utils). */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const src = `packages/${pkg}/src`;
    if (!existsSync(join(root, src))) continue;
    for (const entry of readdirSync(join(root, src), { recursive: true }).map(String).sort()) {
      const file = `${src}/${entry.split('\\').join('/')}`;
      if (isDocSource(file)) files.push(file);
    }
  }
  return files;
}

/** Whether a package file's TSDoc examples are checked. */
export function isDocSource(file: string): boolean {
  return (
    file.endsWith('.ts') &&
    !file.endsWith('.d.ts') &&
    !/\.test(-d)?\.ts$/.test(file) &&
    !file.split('/').includes('test-utils')
  );
}

/** Every fenced block of the READMEs and the TSDoc `@example`s under `root`. */
export function collectSnippets(root: string): Snippet[] {
  const read = (file: string) => readFileSync(join(root, file), 'utf8');
  return [
    ...readmeFiles(root).flatMap((file) => parseFences(read(file), file)),
    ...sourceFiles(root).flatMap((file) => extractTsDocExamples(read(file), file)),
  ];
}

/** Source files of real files already parsed in this process (see {@link checkSnippets}). */
const parsed = new Map<string, ts.SourceFile>();

/** Options of {@link checkSnippets}. */
export interface CheckOptions {
  /** Repository root (holds tsconfig.base.json). */
  root: string;
  /** Real files (relative to root) typechecked in the same program, with no diagnostic ignored. */
  files?: readonly string[];
}

/**
 * Typechecks the checked snippets in one program with tsconfig.base.json's options and returns
 * the diagnostics that are not {@link isIgnoredDiagnostic} (and every diagnostic of `files`).
 */
export function checkSnippets(snippets: readonly Snippet[], options: CheckOptions): DocFailure[] {
  const root = resolve(options.root);
  const compilerOptions = { ...baseOptions(root), noEmit: true, declaration: false };
  const virtual = new Map<string, Snippet>();
  for (const snippet of snippets.filter(isChecked)) {
    virtual.set(join(root, snippetFileName(snippet)), snippet);
  }
  const host = ts.createCompilerHost(compilerOptions, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => {
    const snippet = virtual.get(name);
    return snippet ? snippetModule(snippet) : readFile.call(host, name);
  };
  host.getSourceFile = (name, language, onError, create) => {
    const snippet = virtual.get(name);
    if (snippet) return ts.createSourceFile(name, snippetModule(snippet), language, true);
    // Real files (lib, @types, package sources) are parsed once per process and shared by every
    // program with the same options, as a language service does: each call re-checks, not re-parses.
    const format = typeof language === 'object' ? language.impliedNodeFormat : undefined;
    const version = typeof language === 'object' ? language.languageVersion : language;
    const key = `${JSON.stringify(compilerOptions)}\0${version}\0${format}\0${name}`;
    const cached = parsed.get(key);
    if (cached && !create) return cached;
    const file = getSourceFile.call(host, name, language, onError, create);
    if (file) parsed.set(key, file);
    return file;
  };
  host.resolveModuleNameLiterals = fallbackResolver(root, compilerOptions, host, virtual);

  const real = (options.files ?? []).map((file) => join(root, file));
  const program = ts.createProgram([...virtual.keys(), ...real], compilerOptions, host);
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0) throw new Error(ts.formatDiagnostics(global, host));

  const failures: DocFailure[] = [];
  for (const [name, snippet] of virtual) {
    for (const d of diagnosticsOf(program, name)) {
      if (isIgnoredDiagnostic(d.code)) continue;
      failures.push(toFailure(d, snippet.file, snippet.line + 1));
    }
  }
  for (const name of real) {
    for (const d of diagnosticsOf(program, name)) {
      failures.push(toFailure(d, relative(root, name), 1));
    }
  }
  return failures;
}

function baseOptions(root: string): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${root}/tsconfig.base.json`);
  return parsed.options;
}

function diagnosticsOf(program: ts.Program, name: string): readonly ts.Diagnostic[] {
  const sourceFile = program.getSourceFile(name);
  if (!sourceFile) throw new Error(`not in the program: ${name}`);
  const syntactic = program.getSyntacticDiagnostics(sourceFile);
  return syntactic.length > 0 ? syntactic : program.getSemanticDiagnostics(sourceFile);
}

function toFailure(d: ts.Diagnostic, file: string, firstLine: number): DocFailure {
  const line =
    d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
  return {
    file,
    line: firstLine + line,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  };
}

/**
 * Resolves modules as usual; a snippet's third-party import (`ky`, `express`…) that its own
 * package does not depend on is looked up from the other workspace packages and apps too.
 */
function fallbackResolver(
  root: string,
  options: ts.CompilerOptions,
  host: ts.CompilerHost,
  virtual: ReadonlyMap<string, Snippet>,
): NonNullable<ts.CompilerHost['resolveModuleNameLiterals']> {
  const cache = ts.createModuleResolutionCache(root, host.getCanonicalFileName, options);
  const workspaces = ['packages', 'apps']
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .sort();
  return (literals, containingFile, redirected, _options, containingSource) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSource, literal, options);
      const lookup = (from: string) =>
        ts.resolveModuleName(literal.text, from, options, host, cache, redirected, mode);
      const first = lookup(containingFile);
      if (first.resolvedModule || !virtual.has(containingFile)) return first;
      const mine = dirname(containingFile);
      for (const dir of workspaces) {
        if (dir === mine) continue;
        const other = lookup(join(dir, 'doc-example.ts'));
        if (other.resolvedModule) return other;
      }
      return first;
    });
}

/** Checks the repository's docs; prints failures and sets a non-zero exit code if any. */
export function main(root = fileURLToPath(new URL('..', import.meta.url))): number {
  const started = performance.now();
  const snippets = collectSnippets(root);
  const failures = checkSnippets(snippets, { root });
  for (const failure of failures) console.log(formatFailure(failure));
  const checked = snippets.filter(isChecked).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${checked} snippets checked, ${failures.length} failures (${seconds} s)`);
  return failures.length === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
