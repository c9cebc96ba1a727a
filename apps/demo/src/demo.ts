import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { DriftReport } from '@brace/schema-guard';
import type { HealthReport } from '@brace/telemetry';
import { DEFAULTS, type DemoOptions } from './args.js';
import { mailingLinks, runCampaign } from './campaign.js';
import { braceTimeoutMs, createBraceClient } from './clients/brace.js';
import { discoverRate } from './clients/discover.js';
import { createNaiveClient } from './clients/naive.js';
import { type CampaignClient, meteredFetch, newMeter, TIMEOUT_MS } from './clients/types.js';
import { countProblems } from './problems.js';
import { faultRates } from './provider/faults.js';
import { type Provider, startProvider, TOKEN_TTL_SEC } from './provider/server.js';
import { runReads } from './reads.js';
import {
  emptyReceiverStats,
  type Receiver,
  type ReceiverStats,
  startReceiver,
} from './receiver/receiver.js';
import { renderReport } from './report.js';
import {
  type ClientFigures,
  type ClientResult,
  type DemoResult,
  type RunDetail,
  resultFromLedger,
  webhookMismatches,
} from './results.js';
import { openStore } from './stores.js';
import { shiftedClock } from './time/shifted-clock.js';

type ClientName = 'naive' | 'brace';

/** Error rate, p95 and health from a telemetry health report (zeros without one). */
function figuresOf(report?: HealthReport): ClientFigures {
  return {
    errorRate: report?.stats.errorRate ?? 0,
    p95Ms: Math.round(report?.stats.latencyMs.p95 ?? 0),
    health: report?.status ?? 'ok',
  };
}

function addStats(total: ReceiverStats, run: ReceiverStats): void {
  total.deadLettered += run.deadLettered;
  total.replayed += run.replayed;
  total.received += run.received;
  total.verified += run.verified;
  total.rejected += run.rejected;
  total.processed += run.processed;
  total.duplicatesSkipped += run.duplicatesSkipped;
  for (const [reason, n] of Object.entries(run.rejectedByReason)) {
    total.rejectedByReason[reason] = (total.rejectedByReason[reason] ?? 0) + n;
  }
}

/** The authorization server's one client (the secret is per run). */
const CLIENT_ID = 'brace-demo';

/**
 * One campaign against a fresh provider (fresh store, ledger and receiver; same seed): the first
 * half of the links, the reads and the outage, one token lifetime passing, the second half, then
 * the webhook inbox settled and its dead letter replayed. Whatever happens (an abort, a crash),
 * the servers stop and the run's store is removed.
 */
async function runOnce(
  name: ClientName,
  options: DemoOptions,
  webhooks: ReceiverStats,
  signal: AbortSignal | undefined,
): Promise<{ result: ClientResult; detail: RunDetail }> {
  signal?.throwIfAborted();
  const runStore = await openStore(options.store);
  let receiver: Receiver | undefined;
  let provider: Provider | undefined;
  try {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const clock = shiftedClock();
    const oauth = { clientId: CLIENT_ID, clientSecret: randomBytes(16).toString('hex') };
    receiver = await startReceiver({ secret, store: runStore.inbox });
    provider = await startProvider({
      rate: options.rate,
      faults: faultRates(options.failureRate),
      seed: options.seed,
      store: runStore.store,
      // After both clients' per-attempt timeouts: every slow answer is a timeout.
      slowMs: Math.max(TIMEOUT_MS, braceTimeoutMs(options.rate)) + 500,
      driftAfter: Math.floor(options.links / 2),
      webhookUrl: receiver.url,
      webhookSecret: secret,
      legacyHeaders: options.legacyHeaders,
      oauth: { clock, ...oauth },
    });
    const baseUrl = `${provider.url}/`;
    const tokenUrl = `${provider.url}/oauth/token`;
    const meter = newMeter();
    const problems: Record<string, number> = {};
    const driftReports: DriftReport[] = [];
    let client: CampaignClient;
    let tokensObtained = 0;
    let figures: () => ClientFigures;
    if (name === 'naive') {
      const naive = await createNaiveClient(baseUrl, meter, { tokenUrl, ...oauth }, (error) =>
        countProblems(problems, error),
      );
      client = naive.client;
      tokensObtained = naive.tokensObtained;
      figures = () => figuresOf(naive.telemetry.health());
    } else {
      const rate = await discoverRate(baseUrl, options.rate);
      const brace = createBraceClient(baseUrl, {
        rate,
        oauth: { tokenUrl, ...oauth },
        clock,
        fetch: meteredFetch(meter),
      });
      brace.links.on('retry', () => {
        meter.retries++;
      });
      brace.links.on('auth', (event) => {
        if (event.kind === 'refresh') tokensObtained++;
      });
      brace.links.on('drift', (event) => {
        driftReports.push(event.report);
      });
      // Start-up: credentials and one cheap call, then a second so that this traffic has left
      // the provider's sliding window before the campaign starts.
      await brace.links.validate(signal ? { signal } : {});
      await clock.sleep(1000, signal);
      client = brace.client;
      const links = brace.links;
      figures = () => {
        const health = links.health();
        const telemetry = health.telemetry;
        return telemetry ? { ...figuresOf(telemetry), health: health.status } : figuresOf();
      };
    }
    const links = mailingLinks(options.links, options.seed);
    const half = Math.ceil(links.length / 2);
    const campaign = { quiet: options.quiet, problems, ...(signal ? { signal } : {}) };
    const first = await runCampaign(client, links.slice(0, half), meter, campaign);
    const reads = await runReads(client, first.created, provider, problems, signal);
    // One token lifetime passes: the token the naive app holds is now expired.
    clock.advance(TOKEN_TTL_SEC * 1000);
    const second = await runCampaign(client, links.slice(half), meter, campaign);
    await receiver.settle(signal);
    await provider.close();
    addStats(webhooks, receiver.stats);
    return resultFromLedger(
      provider.ledger,
      links.map((l) => l.recipientId),
      {
        wallMs: first.wallMs + second.wallMs,
        problems,
        driftReports,
        reads,
        figures: figures(),
        tokensObtained,
        inbox: { ...receiver.stats },
      },
    );
  } finally {
    await provider?.close().catch(() => {});
    await receiver?.close().catch(() => {});
    await runStore.close();
  }
}

/**
 * Runs the whole demo: the naive campaign, then the Brace one, each against a fresh
 * provider; results from the provider's ledger; the HTML report when asked. When `signal`
 * aborts (Ctrl-C), the campaign stops, everything is cleaned up and it rejects with the reason.
 */
export async function runDemo(
  partial: Partial<DemoOptions> = {},
  signal?: AbortSignal,
): Promise<DemoResult> {
  const options: DemoOptions = { ...DEFAULTS, ...partial };
  const webhooks = emptyReceiverStats();
  const naive = await runOnce('naive', options, webhooks, signal);
  const brace = await runOnce('brace', options, webhooks, signal);
  const mismatches = webhookMismatches(webhooks, [
    naive.detail.deliveries,
    brace.detail.deliveries,
  ]);
  const result: DemoResult = {
    naive: naive.result,
    brace: brace.result,
    webhooks,
    detail: {
      naive: naive.detail,
      brace: brace.detail,
      store: options.store,
      seed: options.seed,
      rate: options.rate,
    },
    webhookMismatches: mismatches,
    ok:
      brace.result.duplicates === 0 &&
      brace.result.lost === 0 &&
      brace.result.overLimit === 0 &&
      brace.result.expiredTokenRequests === 0 &&
      brace.result.outageFailures === 0 &&
      mismatches.length === 0,
  };
  if (options.report !== undefined) await writeFile(options.report, renderReport(result), 'utf8');
  return result;
}
