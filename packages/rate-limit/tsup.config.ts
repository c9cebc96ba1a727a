import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/ky.ts', 'src/axios.ts'],
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
