import { CLI_USAGE, parseCliArgs } from './cli-args.js';
import { createProvider } from './provider.js';
import type { Provider } from './provider-types.js';

/** What the CLI needs from its process (so tests can run it in-process). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Runs `brace-sim`: starts the provider and prints its URL. Resolves with the provider (to be
 * closed on a signal), or `undefined` after `--help` or bad arguments (exit code set in `code`).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
): Promise<{ provider?: Provider; code: number }> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
    if (parsed.help) {
      io.stdout.write(CLI_USAGE);
      return { code: 0 };
    }
    const provider = await createProvider(parsed.options);
    io.stdout.write(`brace-sim: ${provider.preset.name} provider listening on ${provider.url}\n`);
    return { provider, code: 0 };
  } catch (error) {
    io.stderr.write(`brace-sim: ${(error as Error).message}\n`);
    return { code: 2 };
  }
}
