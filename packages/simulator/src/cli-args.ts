import { parseArgs } from 'node:util';
import { SimulatorOptionsError } from './errors.js';
import { FAULT_NAMES, type FaultName, type FaultOptions, type ScriptStep } from './faults.js';
import { ietf, resolvePreset } from './presets/index.js';
import type { ProviderOptions } from './provider-types.js';

/** The `brace-sim --help` text. */
export const CLI_USAGE = `Usage: brace-sim [options]

Starts a simulated provider on loopback and prints its URL.

  --preset <name>        github | stripe | shopify | slack | ietf (default ietf)
  --port <n>             port to listen on (default 0: any free port)
  --host <host>          host to listen on (default 127.0.0.1)
  --seed <n>             seed of every random decision (default 0)
  --limit <n>            requests per window (default: the preset's)
  --window-ms <ms>       rate-limit window (default: the preset's)
  --no-rate-limit        no rate limit at all
  --fault <name=p>       a fault's probability, repeatable: ${FAULT_NAMES.join(', ')}
  --script <route=steps> a per-attempt script, repeatable: "POST /v1/charges=503,503,200"
  --oauth                serve an OAuth server (client sim-client / sim-secret) and require tokens
  --webhook-url <url>    send signed webhooks for created resources to this URL
  --webhook-secret <s>   their signing secret
  --help                 this text

Control endpoints: GET /_sim/ledger (the ledger as JSON), POST /_sim/script ({"route","steps"}).
`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new SimulatorOptionsError(`--${name} must be a whole number.`);
  return Number(value);
}

function scriptSteps(text: string): ScriptStep[] {
  return text
    .split(',')
    .map((step) => (/^\d+$/.test(step.trim()) ? Number(step) : (step.trim() as ScriptStep)));
}

/** Parses `brace-sim` arguments into provider options (`help` when `--help` was given). */
export function parseCliArgs(
  argv: readonly string[],
): { help: true } | { help: false; options: ProviderOptions } {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new SimulatorOptionsError(`${(error as Error).message} See brace-sim --help.`);
  }
  if (values.help) return { help: true };
  const options: ProviderOptions = {};
  if (values.preset !== undefined) options.preset = values.preset as ProviderOptions['preset'];
  options.port = integer('port', values.port) ?? 0;
  if (values.host !== undefined) options.host = values.host;
  const seed = integer('seed', values.seed);
  if (seed !== undefined) options.seed = seed;
  const limit = integer('limit', values.limit);
  const windowMs = integer('window-ms', values['window-ms']);
  if (values['no-rate-limit']) options.rateLimit = false;
  else if (limit !== undefined || windowMs !== undefined) {
    // What is not given stays the preset's (an unknown preset is refused by createProvider).
    const base = (resolvePreset(options.preset) ?? ietf).rateLimit;
    options.rateLimit = { limit: limit ?? base.limit, windowMs: windowMs ?? base.windowMs };
  }
  const faults: FaultOptions = {};
  for (const entry of values.fault ?? []) {
    const [name, p] = entry.split('=');
    if (
      !(FAULT_NAMES as readonly string[]).includes(name ?? '') ||
      p === undefined ||
      !Number.isFinite(Number(p))
    ) {
      throw new SimulatorOptionsError(
        `--fault takes name=probability with a name among ${FAULT_NAMES.join(', ')}.`,
      );
    }
    faults[name as FaultName] = Number(p);
  }
  for (const entry of values.script ?? []) {
    const at = entry.lastIndexOf('=');
    if (at <= 0) throw new SimulatorOptionsError('--script takes "METHOD /path=step,step,...".');
    faults.script = { ...faults.script, [entry.slice(0, at)]: scriptSteps(entry.slice(at + 1)) };
  }
  options.faults = faults;
  if (values.oauth) options.oauth = true;
  if (values['webhook-url'] !== undefined || values['webhook-secret'] !== undefined) {
    options.webhooks = { url: values['webhook-url'] ?? '', secret: values['webhook-secret'] ?? '' };
  }
  options.control = true;
  return { help: false, options };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      preset: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      'window-ms': { type: 'string' },
      'no-rate-limit': { type: 'boolean' },
      fault: { type: 'string', multiple: true },
      script: { type: 'string', multiple: true },
      oauth: { type: 'boolean' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
}
