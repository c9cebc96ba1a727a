import { parseArgs } from 'node:util';

export const STORES = ['memory', 'sqlite', 'redis', 'postgres'] as const;
export type StoreKind = (typeof STORES)[number];

/** Everything a demo run needs; `runDemo` takes it with defaults applied. */
export interface DemoOptions {
  /** Links to create in each campaign. */
  links: number;
  /** Seed of every random decision (provider faults, webhook mix, jitter). */
  seed: number;
  /** The provider's limit: requests per second (sliding 1 s window). */
  rate: number;
  /** Share of requests answered 503; drops are 0.3x and slow answers 0.1x this share. */
  failureRate: number;
  /** Where idempotency records (and webhook dedupe ids) live. */
  store: StoreKind;
  /** No progress bar. */
  quiet: boolean;
  /** Print one JSON object instead of the table. */
  json: boolean;
  /** Write a self-contained HTML report to this path. */
  report: string | undefined;
  /** Also send the legacy `X-RateLimit-*` headers. */
  legacyHeaders: boolean;
  /** Processes per client (1: everything in this process). Above 1 needs redis or postgres. */
  workers: number;
}

export const DEFAULTS: DemoOptions = {
  links: 2000,
  seed: 42,
  rate: 100,
  failureRate: 0.1,
  store: 'sqlite',
  quiet: false,
  json: false,
  report: undefined,
  legacyHeaders: false,
  workers: 1,
};

export const USAGE = `Usage: pnpm demo [options]

Runs a naive ky client and the Brace client against a hostile simulated provider and
prints what the provider's ledger saw.

Options:
  --links N          links to create per campaign (1-100000, default ${DEFAULTS.links})
  --seed N           seed for every random decision (integer, default ${DEFAULTS.seed})
  --rate N           provider limit in requests per second (1-10000, default ${DEFAULTS.rate})
  --failure-rate F   share of requests answered 503 (0-0.5, default ${DEFAULTS.failureRate});
                     drops are 0.3x and slow answers 0.1x this share
  --store KIND       memory | sqlite | redis | postgres (default ${DEFAULTS.store});
                     redis needs REDIS_URL, postgres needs DATABASE_URL
  --workers N        run each client in N processes (1-8, default 1) sharing the
                     limit, token and cache through --store redis or postgres
  --x-ratelimit      also send X-RateLimit-Limit/-Remaining/-Reset headers
  --quiet            no progress bar
  --json             print one JSON object instead of the table
  --report FILE      write a self-contained HTML report with SVG timelines
  --help             show this help
`;

/** A bad flag or value: main prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function decimal(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Parses argv (without node and script); `help: true` when --help was given. */
export function parseDemoArgs(argv: readonly string[]): { help: boolean; options: DemoOptions } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const options: DemoOptions = { ...DEFAULTS };
  if (v.links !== undefined) options.links = integer('links', v.links, 1, 100_000);
  if (v.seed !== undefined) options.seed = integer('seed', v.seed, 0, 2 ** 32 - 1);
  if (v.rate !== undefined) options.rate = integer('rate', v.rate, 1, 10_000);
  if (v['failure-rate'] !== undefined) {
    options.failureRate = decimal('failure-rate', v['failure-rate'], 0, 0.5);
  }
  if (v.store !== undefined) {
    if (!(STORES as readonly string[]).includes(v.store)) {
      throw new UsageError(`--store must be one of ${STORES.join(', ')}, got "${v.store}"`);
    }
    options.store = v.store as StoreKind;
  }
  if (v.report !== undefined) {
    if (v.report.trim() === '') throw new UsageError('--report needs a file path');
    options.report = v.report;
  }
  if (v.workers !== undefined) options.workers = integer('workers', v.workers, 1, 8);
  if (options.workers > 1 && options.store !== 'redis' && options.store !== 'postgres') {
    throw new UsageError(
      '--workers above 1 needs --store redis or postgres (the processes share it)',
    );
  }
  options.quiet = v.quiet === true;
  options.json = v.json === true;
  options.legacyHeaders = v['x-ratelimit'] === true;
  return { help: v.help === true, options };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      links: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      'failure-rate': { type: 'string' },
      store: { type: 'string' },
      workers: { type: 'string' },
      'x-ratelimit': { type: 'boolean' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
}
