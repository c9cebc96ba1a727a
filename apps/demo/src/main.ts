// Entry point of `pnpm demo`. tsx runs the packages from source (tsconfig paths); only
// @brace/webhook-verify's internal `#crypto` import points at its built dist/ (package.json
// "imports"), which a fresh clone does not have: map it to the source file first.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '#crypto' && context.parentURL?.includes('/packages/webhook-verify/src/')) {
      return { url: new URL('./crypto-node.ts', context.parentURL).href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});

const { cli } = await import('./cli.js');
process.exitCode = await cli(process.argv.slice(2));
