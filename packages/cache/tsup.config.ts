import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/ky.ts',
    'src/fetch.ts',
    'src/axios.ts',
    'src/testing.ts',
    'src/sqlite.ts',
  ],
  format: ['esm'],
  target: 'es2023',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
