// Entry point of `pnpm demo`. tsx runs the packages from source through tsconfig paths.
import { cli } from './cli.js';

process.exitCode = await cli(process.argv.slice(2));
