import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkSnippets,
  collectSnippets,
  commentLines,
  extractTsDocExamples,
  formatFailure,
  isChecked,
  isDocSource,
  isIgnoredDiagnostic,
  parseFences,
  type Snippet,
  snippetFileName,
  snippetModule,
} from './doc-examples.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function snippet(code: string, line = 10, file = 'packages/core/README.md'): Snippet {
  return { file, line, lang: 'ts', noCheck: false, code };
}

describe('parseFences', () => {
  it('returns each block with its language, opening line and code', () => {
    const md = ['# Title', '', '```ts', 'const a = 1;', '```', 'text', '~~~sh', 'ls', '~~~'].join(
      '\n',
    );
    expect(parseFences(md, 'README.md')).toEqual([
      { file: 'README.md', line: 3, lang: 'ts', noCheck: false, code: 'const a = 1;' },
      { file: 'README.md', line: 7, lang: 'sh', noCheck: false, code: 'ls' },
    ]);
  });

  it('reads the no-check marker and lower-cases the language', () => {
    const [block] = parseFences('```TypeScript no-check\nx\n```', 'a.md');
    expect(block).toMatchObject({ lang: 'typescript', noCheck: true });
    expect(parseFences('```ts title="a.ts"\nx\n```', 'a.md')[0]?.noCheck).toBe(false);
  });

  it('strips the fence indentation of a block inside a list item', () => {
    const md = '- item\n\n  ```ts\n  if (a) {\n    b();\n  }\n  ```\n';
    expect(parseFences(md, 'a.md')[0]?.code).toBe('if (a) {\n  b();\n}');
  });

  it('closes only on a fence of the same kind at least as long', () => {
    const md = '````md\n```ts\ninner\n```\n~~~\n````\n```ts\nnext\n```';
    const blocks = parseFences(md, 'a.md');
    expect(blocks.map((b) => [b.line, b.lang, b.code])).toEqual([
      [1, 'md', '```ts\ninner\n```\n~~~'],
      [7, 'ts', 'next'],
    ]);
  });

  it('runs an unclosed block to the end and offsets lines by firstLine', () => {
    expect(parseFences('```ts\na\nb', 'a.md', 41)).toEqual([
      { file: 'a.md', line: 41, lang: 'ts', noCheck: false, code: 'a\nb' },
    ]);
  });

  it('finds nothing in text without fences or with inline code', () => {
    expect(parseFences('use `ky` and ``code``', 'a.md')).toEqual([]);
  });
});

describe('commentLines', () => {
  it('removes the comment syntax and one space after each star', () => {
    expect(commentLines('/** Summary.\n   *\n   *   indented\n   */')).toEqual([
      'Summary.',
      '',
      '  indented',
      '',
    ]);
    expect(commentLines('/** One line. */')).toEqual(['One line. ']);
  });
});

describe('extractTsDocExamples', () => {
  const source = [
    'import x from "y";', // 1
    '/**', // 2
    ' * Summary with a fence that is not an example:', // 3
    ' * ```ts', // 4
    ' * notAnExample();', // 5
    ' * ```', // 6
    ' *', // 7
    ' * @example Basic use', // 8
    ' * ```ts', // 9
    ' * import { a } from "@brace/core";', // 10
    ' *', // 11
    ' * if (a) {', // 12
    ' *   a();', // 13
    ' * }', // 14
    ' * ```', // 15
    ' * @returns nothing', // 16
    ' * ```ts', // 17
    ' * afterReturns();', // 18
    ' * ```', // 19
    ' */', // 20
    'export class A {', // 21
    '  /**', // 22
    '   * Method.', // 23
    '   * @example', // 24
    '   * ```ts', // 25
    '   * // @ts-expect-error inside the fence is code, not a tag', // 26
    '   * new A().m();', // 27
    '   * ```', // 28
    '   */', // 29
    '  m() {}', // 30
    '}', // 31
  ].join('\n');

  it('returns the fences of @example sections at their source lines, with their indentation', () => {
    expect(extractTsDocExamples(source, 'src/a.ts')).toEqual([
      {
        file: 'src/a.ts',
        line: 9,
        lang: 'ts',
        noCheck: false,
        code: 'import { a } from "@brace/core";\n\nif (a) {\n  a();\n}',
      },
      {
        file: 'src/a.ts',
        line: 25,
        lang: 'ts',
        noCheck: false,
        code: '// @ts-expect-error inside the fence is code, not a tag\nnew A().m();',
      },
    ]);
  });

  it('ignores plain block comments and comments without @example', () => {
    const plain = '/* @example\n```ts\nx\n```\n*/\n/** Docs.\n * ```ts\n * y\n * ```\n */';
    expect(extractTsDocExamples(plain, 'src/b.ts')).toEqual([]);
  });
});

describe('the ignore list', () => {
  it('ignores only undeclared placeholder names and test globals', () => {
    for (const code of [2304, 2552, 2582, 2593]) expect(isIgnoredDiagnostic(code)).toBe(true);
    // no exported member, unknown property, no such property, possibly undefined, syntax,
    // shorthand property without a value, implicit any
    for (const code of [2305, 2353, 2561, 2339, 18048, 1005, 18004, 7006]) {
      expect(isIgnoredDiagnostic(code)).toBe(false);
    }
  });
});

describe('selection', () => {
  it('checks ts, typescript and tsx blocks unless marked no-check', () => {
    const of = (lang: string, noCheck = false) => isChecked({ ...snippet(''), lang, noCheck });
    expect([of('ts'), of('typescript'), of('tsx')]).toEqual([true, true, true]);
    expect([of('js'), of('sh'), of('json'), of(''), of('ts', true)]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('reads TSDoc from package sources only, not tests, type tests or test-utils', () => {
    expect(isDocSource('packages/core/src/hooks.ts')).toBe(true);
    expect(isDocSource('packages/core/src/sub/dir.ts')).toBe(true);
    for (const file of [
      'packages/core/src/hooks.test.ts',
      'packages/core/src/hooks.test-d.ts',
      'packages/backoff/src/test-utils/settle.ts',
      'packages/core/src/types.d.ts',
      'packages/core/src/notes.md',
    ]) {
      expect(isDocSource(file)).toBe(false);
    }
  });

  it('names a snippet after its file and line and makes it a module', () => {
    expect(snippetFileName(snippet('', 42, 'packages/backoff/README.md'))).toBe(
      'packages/backoff/README.md:42.ts',
    );
    expect(snippetFileName({ ...snippet(''), lang: 'tsx' })).toBe('packages/core/README.md:10.tsx');
    expect(snippetModule(snippet('await x;'))).toBe('await x;\nexport {};\n');
  });

  it('formats a failure as file:line: TSxxxx message', () => {
    const failure = { file: 'a.md', line: 3, code: 2305, message: 'No.' };
    expect(formatFailure(failure)).toBe('a.md:3: TS2305 No.');
  });
});

describe('checkSnippets', () => {
  it('reports API mistakes at their source line and lets placeholders through', () => {
    const snippets = [
      // placeholders, top-level await, a subpath import: fine
      snippet(
        "import { parseRetryAfter } from '@brace/core';\nawait db.save(parseRetryAfter(x));",
        1,
      ),
      snippet("import { parseRetryAftr } from '@brace/core';", 20), // wrong import name
      snippet("import { manualClock } from '@brace/core';\n\nmanualClock({ nowMs: 0 });", 30),
      snippet("import { systemClock } from '@brace/core';\nsystemClock.later();", 40),
      snippet('const a = ;', 50), // syntax error
      snippet("import { nope } from '@brace/core';", 60),
    ];
    const noCheck = { ...snippet("import { nope } from '@brace/core';", 70), noCheck: true };
    const shell = { ...snippet('pnpm nope', 80), lang: 'sh' };
    const failures = checkSnippets([...snippets, noCheck, shell], { root });
    expect(failures.map((f) => `${f.file}:${f.line}: TS${f.code}`)).toEqual([
      'packages/core/README.md:21: TS2724', // has no exported member named …; did you mean …
      'packages/core/README.md:33: TS2561', // unknown property (did you mean `now`?)
      'packages/core/README.md:42: TS2339', // no such property
      'packages/core/README.md:51: TS1109', // expression expected
      'packages/core/README.md:61: TS2305', // has no exported member
    ]);
    expect(failures[0]?.message).toContain("'parseRetryAftr'");
  });

  it('resolves a third-party import from another workspace package', () => {
    const code = "import ky from 'ky';\nky.create({ prefixUrl: 'x' });";
    const failures = checkSnippets([snippet(code, 1, 'README.md')], { root });
    expect(failures.map((f) => f.code)).toEqual([2561]); // found and checked: ky 2 has `prefix`
  });
});

describe('the documentation', () => {
  it('compiles: every README and TSDoc example against the current API', () => {
    const snippets = collectSnippets(root).filter(isChecked);
    const readme = snippets.filter((s) => s.file.endsWith('README.md'));
    expect(readme.length).toBeGreaterThan(20);
    expect(snippets.length - readme.length).toBeGreaterThan(100);
    // This file and the checker typecheck in the same program (tsconfig.json omits scripts/).
    const files = ['scripts/doc-examples.ts', 'scripts/doc-examples.test.ts'];
    const failures = checkSnippets(snippets, { root, files });
    expect(failures.map(formatFailure)).toEqual([]);
  }, 60_000);
});
