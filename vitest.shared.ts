// Shared by the root vitest config and any package that needs a project of its own
// (e.g. to run the same tests under another export condition).
import { fileURLToPath } from 'node:url';
import type { AliasOptions } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Tests import package sources: `@brace/x` is `packages/x/src/index.ts`, `@brace/x/y` is `src/y.ts`. */
export const braceAlias: AliasOptions = [
  { find: /^@brace\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
  { find: /^@brace\/([a-z0-9-]+)\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
  // @brace/webhook-verify's internal `#crypto` import (package.json `imports`) points at dist/;
  // from sources it is the node:crypto backend (its own vitest config also runs the Web one).
  { find: /^#crypto$/, replacement: `${root}packages/webhook-verify/src/crypto-node.ts` },
];
