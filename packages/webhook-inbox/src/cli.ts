#!/usr/bin/env node
// brace-inbox: inspect and replay dead letters from the shell (see cli-run.ts).
import { main } from './cli-run.js';

process.exitCode = await main(process.argv.slice(2));
