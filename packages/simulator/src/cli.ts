#!/usr/bin/env node
// The `brace-sim` command: a simulated provider for N processes or non-JavaScript code.
import { runCli } from './cli-main.js';

const { provider, code } = await runCli(process.argv.slice(2), process);
if (provider === undefined) process.exitCode = code;
else {
  const stop = () => {
    void provider.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
