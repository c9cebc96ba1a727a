// Resolution hooks, installed before any suite loads.
//
// `@brace/webhook-verify` picks its crypto backend through the package import `#crypto`
// (`node` condition: node:crypto; `default`: Web Crypto). Node always matches `node`, and the
// package.json mapping points at dist/. So that the bench always measures the current
// sources and can load BOTH builds in one process (ratios within one run), this hook maps
// `#crypto` to src/crypto-node.ts, and, for modules loaded with a `?web` query (the suite
// imports `src/index.ts?web`), to src/crypto-web.ts, carrying `?web` through the package's
// relative imports so the Web Crypto build is a separate module graph.
import { registerHooks } from 'node:module';

const WEBHOOK_SRC = new URL('../../packages/webhook-verify/src/', import.meta.url).href;

/** The URL of the Web Crypto build of `@brace/webhook-verify` (import it dynamically). */
export const WEBHOOK_VERIFY_WEB = `${WEBHOOK_SRC}index.ts?web`;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL ?? '';
    if (parent.startsWith(WEBHOOK_SRC)) {
      const web = parent.endsWith('?web');
      if (specifier === '#crypto') {
        return {
          url: web ? `${WEBHOOK_SRC}crypto-web.ts?web` : `${WEBHOOK_SRC}crypto-node.ts`,
          shortCircuit: true,
        };
      }
      if (web && specifier.startsWith('.')) {
        const resolved = nextResolve(specifier, context);
        return {
          ...resolved,
          url: resolved.url.includes('?') ? resolved.url : `${resolved.url}?web`,
        };
      }
    }
    return nextResolve(specifier, context);
  },
});
