import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/cli.ts',
    'src/index.ts',
    'src/hono.ts',
    'src/express.ts',
    'src/sqlite.ts',
    'src/postgres.ts',
    'src/testing.ts',
  ],
  format: ['esm'],
  target: 'es2023',
  platform: 'neutral',
  external: [/^node:/, 'pg'],
  removeNodeProtocol: false,
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
