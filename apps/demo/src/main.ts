// Entry point of `pnpm demo` (through ../run.mjs, which registers tsx's loader with the
// tsconfig paths that map the packages to their sources).
import { cli, INTERRUPTED } from './cli.js';

// Ctrl-C (or SIGTERM) stops the campaign and cleans up (servers, temp dir, Redis keys,
// PostgreSQL table) before exiting 130. One Ctrl-C reaches the demo more than once (from the
// terminal and relayed by pnpm), so a repeat within a second is the same keypress; a
// later one exits at once, without cleaning up.
const REPEAT_MS = 1000;
const interrupt = new AbortController();
let interruptedAt = 0;
const onSignal = (name: NodeJS.Signals) => {
  if (!interrupt.signal.aborted) {
    interruptedAt = Date.now();
    interrupt.abort(new Error(`${name} received`));
  } else if (Date.now() - interruptedAt > REPEAT_MS) {
    process.exit(INTERRUPTED);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await cli(
  process.argv.slice(2),
  process.stdout,
  process.stderr,
  interrupt.signal,
);
