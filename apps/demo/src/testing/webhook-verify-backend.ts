import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Workaround for the tests (main.ts has its own, a resolve hook): `@brace/webhook-verify`
 * imports its crypto backend as `#crypto`, which its package.json "imports" map to
 * `dist/crypto-node.js`. The root vitest config aliases `@brace/*` to sources but not
 * `#crypto`, and vitest cannot mock an import that does not resolve, so on a fresh clone
 * (no dist/) every module that imports the package fails to load. When that file is missing,
 * this writes it (and its one sibling) by stripping the types of the two source files. A real
 * build (`tsup`, `clean: true`) replaces them. Remove once the root config aliases `#crypto`.
 */
export function ensureWebhookVerifyBackend(): void {
  const src = fileURLToPath(new URL('../../../../packages/webhook-verify/src/', import.meta.url));
  const dist = fileURLToPath(new URL('../../../../packages/webhook-verify/dist/', import.meta.url));
  if (existsSync(`${dist}crypto-node.js`)) return;
  mkdirSync(dist, { recursive: true });
  // crypto-types first: crypto-node imports it.
  for (const name of ['crypto-types', 'crypto-node']) {
    const target = `${dist}${name}.js`;
    if (existsSync(target)) continue;
    const code = stripTypeScriptTypes(readFileSync(`${src}${name}.ts`, 'utf8'));
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, target);
  }
}
