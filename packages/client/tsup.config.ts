import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/presets.ts', 'src/fetch.ts'],
  format: ['esm'],
  target: 'es2023',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
});
