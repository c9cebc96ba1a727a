import { defineConfig } from 'tsup';

export default defineConfig({
  // crypto-node / crypto-web are not subpaths: package.json "imports" picks one for "#crypto"
  // (the `node` condition for Node, Bun and Deno; Web Crypto everywhere else).
  entry: [
    'src/index.ts',
    'src/fetch.ts',
    'src/hono.ts',
    'src/express.ts',
    'src/node.ts',
    'src/crypto-node.ts',
    'src/crypto-web.ts',
  ],
  external: ['#crypto', /^node:/],
  format: ['esm'],
  target: 'es2023',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  // Keep `node:` specifiers as written (Deno and strict ESM loaders need them).
  removeNodeProtocol: false,
  tsconfig: 'tsconfig.build.json',
});
