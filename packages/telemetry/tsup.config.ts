import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/ky.ts',
    'src/fetch.ts',
    'src/hono.ts',
    'src/express.ts',
    'src/redis.ts',
  ],
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
