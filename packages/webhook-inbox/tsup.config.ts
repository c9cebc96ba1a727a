import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ["src/index.ts","src/hono.ts","src/express.ts","src/sqlite.ts","src/postgres.ts","src/testing.ts"],
  format: ['esm'],
  target: 'es2023',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
