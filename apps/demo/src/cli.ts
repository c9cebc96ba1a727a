import { parseDemoArgs, USAGE, UsageError } from './args.js';
import { runDemo } from './demo.js';
import { formatTable, jsonResult } from './results.js';
import { StoreSetupError } from './stores.js';

/** Where the CLI writes (process.stdout / process.stderr, or a test's sink). */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** The table's last line: where the report went, or how to get one. */
export function reportLine(report: string | undefined): string {
  return report !== undefined
    ? `  report written to ${report}\n`
    : '  see it drawn: `npm run demo -- --report report.html` writes a self-contained HTML report\n' +
        '  (per client, requests per second against the limit line, 429s and retries)\n';
}

/** The exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130;

/**
 * Runs the CLI and resolves the exit code: 0 ok, 1 Brace broke an invariant (or crashed),
 * 2 bad usage or an unusable store, 130 interrupted through `signal` (after cleaning up).
 */
export async function cli(
  argv: readonly string[],
  out: Output = process.stdout,
  err: Output = process.stderr,
  signal?: AbortSignal,
): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  let parsed: ReturnType<typeof parseDemoArgs>;
  try {
    parsed = parseDemoArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`brace-demo: ${error.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    out.write(USAGE);
    return 0;
  }
  const options = parsed.options;
  if (!err.isTTY) options.quiet = true;
  try {
    const result = await runDemo(options, signal);
    out.write(
      options.json ? `${JSON.stringify(jsonResult(result))}\n` : `${formatTable(result)}\n`,
    );
    if (!options.json) out.write(reportLine(options.report));
    return result.ok ? 0 : 1;
  } catch (error) {
    if (signal?.aborted) {
      err.write("brace-demo: interrupted; servers stopped and the run's store removed.\n");
      return INTERRUPTED;
    }
    if (error instanceof StoreSetupError) {
      err.write(`brace-demo: ${error.message}\n`);
      return 2;
    }
    err.write(`brace-demo: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
