import type { SharedOptions } from '@brace/client';
import type { DriftReport } from '@brace/schema-guard';
import type { HealthReport } from '@brace/telemetry';
import { type CampaignOutcome, runCampaign } from './campaign.js';
import { createBraceClient } from './clients/brace.js';
import { createNaiveClient } from './clients/naive.js';
import { type CampaignClient, type LinkInput, meteredFetch, newMeter } from './clients/types.js';
import { countProblems } from './problems.js';
import { type OutageSwitch, type ReadResult, runReads } from './reads.js';
import type { ClientFigures } from './results.js';
import { type ShiftedClock, shiftedClock } from './time/shifted-clock.js';

/** Everything one process needs to run one client against the provider. */
export interface SessionSetup {
  name: 'naive' | 'brace';
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** The quota per second this process's limiter starts from. */
  rate: number;
  quiet: boolean;
  /** `--workers`: the Redis or PostgreSQL every process shares. */
  shared?: SharedOptions;
}

/** What a client did, from its own side (the results come from the provider's ledger). */
export interface SessionReport {
  problems: Record<string, number>;
  driftReports: DriftReport[];
  tokensObtained: number;
  figures: ClientFigures;
  /** Telemetry's counts, to add up the figures of many processes. */
  calls: number;
  errors: number;
}

/** One client in one process, driven phase by phase (in the demo's process or a worker's). */
export interface Session {
  create(links: readonly LinkInput[], signal?: AbortSignal): Promise<CampaignOutcome>;
  reads(ids: readonly string[], provider: OutageSwitch, signal?: AbortSignal): Promise<ReadResult>;
  /** Moves the client's wall clock ahead (one token lifetime passes). */
  advance(ms: number): Promise<void>;
  report(): Promise<SessionReport>;
  /** Ends the session (stops worker processes, closes shared connections). */
  close(): Promise<void>;
}

/** Error rate, p95 and health from a telemetry health report (zeros without one). */
export function figuresOf(report?: HealthReport): ClientFigures {
  return {
    errorRate: report?.stats.errorRate ?? 0,
    p95Ms: Math.round(report?.stats.latencyMs.p95 ?? 0),
    health: report?.status ?? 'ok',
  };
}

/**
 * Opens the client named in `setup` — the naive one (token fetched once), or the Brace one (one
 * `defineIntegration`, validated at start-up) — on a clock the demo moves ahead mid-run.
 */
export async function openSession(
  setup: SessionSetup,
  clock: ShiftedClock = shiftedClock(),
  signal?: AbortSignal,
): Promise<Session> {
  const meter = newMeter();
  const problems: Record<string, number> = {};
  const driftReports: DriftReport[] = [];
  const oauth = {
    tokenUrl: setup.tokenUrl,
    clientId: setup.clientId,
    clientSecret: setup.clientSecret,
  };
  let client: CampaignClient;
  let tokensObtained = 0;
  let health: () => { status: string; telemetry: HealthReport | undefined };
  if (setup.name === 'naive') {
    const naive = await createNaiveClient(setup.baseUrl, meter, oauth, (error) =>
      countProblems(problems, error),
    );
    client = naive.client;
    tokensObtained = naive.tokensObtained;
    health = () => {
      const telemetry = naive.telemetry.health();
      return { status: telemetry.status, telemetry };
    };
  } else {
    const brace = createBraceClient(setup.baseUrl, {
      rate: setup.rate,
      oauth,
      clock,
      fetch: meteredFetch(meter),
      ...(setup.shared ? { shared: setup.shared } : {}),
    });
    brace.links.on('retry', () => {
      meter.retries++;
    });
    brace.links.on('auth', (event) => {
      // `grant`: this process called the token endpoint (`store`: another process had).
      if (event.kind === 'refresh' && (event.detail as { source?: string }).source === 'grant') {
        tokensObtained++;
      }
    });
    brace.links.on('drift', (event) => {
      driftReports.push(event.report);
    });
    if (setup.shared?.postgres !== undefined) await brace.links.setup();
    // Start-up: credentials and one cheap call, then a second so that this traffic has left
    // the provider's sliding window before the campaign starts.
    await brace.links.validate(signal ? { signal } : {});
    await clock.sleep(1000, signal);
    client = brace.client;
    health = () => {
      const h = brace.links.health();
      return { status: h.status, telemetry: h.telemetry };
    };
  }
  const campaign = (signal?: AbortSignal) => ({
    quiet: setup.quiet,
    problems,
    ...(signal ? { signal } : {}),
  });
  return {
    create: (links, signal) => runCampaign(client, links, meter, campaign(signal)),
    reads: (ids, provider, signal) => runReads(client, ids, provider, problems, signal),
    advance: async (ms) => clock.advance(ms),
    close: async () => {},
    async report() {
      const h = health();
      const stats = h.telemetry?.stats;
      return {
        problems,
        driftReports,
        tokensObtained,
        figures: { ...figuresOf(h.telemetry), health: h.status },
        calls: stats?.calls ?? 0,
        errors: stats?.errors ?? 0,
      };
    },
  };
}
