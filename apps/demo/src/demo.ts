import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { DriftReport } from '@brace/schema-guard';
import { DEFAULTS, type DemoOptions } from './args.js';
import { mailingLinks, runCampaign } from './campaign.js';
import { createBraceClient } from './clients/brace.js';
import { discoverRate } from './clients/discover.js';
import { createNaiveClient } from './clients/naive.js';
import { type CampaignClient, meteredFetch, newMeter, TIMEOUT_MS } from './clients/types.js';
import { countProblems } from './problems.js';
import { faultRates } from './provider/faults.js';
import { type Provider, startProvider } from './provider/server.js';
import {
  emptyReceiverStats,
  type Receiver,
  type ReceiverStats,
  startReceiver,
} from './receiver/receiver.js';
import { renderReport } from './report.js';
import {
  type ClientResult,
  type DemoResult,
  type RunDetail,
  resultFromLedger,
  webhookMismatches,
} from './results.js';
import { openStore } from './stores.js';

type ClientName = 'naive' | 'brace';

function addStats(total: ReceiverStats, run: ReceiverStats): void {
  total.received += run.received;
  total.verified += run.verified;
  total.rejected += run.rejected;
  total.processed += run.processed;
  total.duplicatesSkipped += run.duplicatesSkipped;
  for (const [reason, n] of Object.entries(run.rejectedByReason)) {
    total.rejectedByReason[reason] = (total.rejectedByReason[reason] ?? 0) + n;
  }
}

/**
 * One campaign against a fresh provider (fresh store, ledger and receiver; same seed). Whatever
 * happens (an abort, a crash), the servers stop and the run's store is removed.
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
    receiver = await startReceiver({ secret, store: runStore.store });
    provider = await startProvider({
      rate: options.rate,
      faults: faultRates(options.failureRate),
      seed: options.seed,
      store: runStore.store,
      slowMs: TIMEOUT_MS + 500,
      driftAfter: Math.floor(options.links / 2),
      webhookUrl: receiver.url,
      webhookSecret: secret,
      legacyHeaders: options.legacyHeaders,
    });
    const baseUrl = `${provider.url}/`;
    const meter = newMeter();
    const problems: Record<string, number> = {};
    const driftReports: DriftReport[] = [];
    let client: CampaignClient;
    if (name === 'naive') {
      client = createNaiveClient(baseUrl, meter, (error) => countProblems(problems, error));
    } else {
      const rate = await discoverRate(baseUrl, options.rate);
      const brace = createBraceClient(baseUrl, {
        rate,
        mailing: `mailing-${options.seed}`,
        fetch: meteredFetch(meter),
        onRetry: () => {
          meter.retries++;
        },
        onDrift: (report) => {
          driftReports.push(report);
        },
      });
      // The discovery GET went out before the limiter existed: charge it to the same key
      // (rateLimitHooks keys by host) so the first second holds at most `rate` requests.
      (await brace.limiter.acquire({ key: new URL(baseUrl).host }))();
      client = brace.client;
    }
    const links = mailingLinks(options.links, options.seed);
    const outcome = await runCampaign(client, links, meter, {
      quiet: options.quiet,
      problems,
      ...(signal ? { signal } : {}),
    });
    await provider.close();
    addStats(webhooks, receiver.stats);
    return resultFromLedger(
      provider.ledger,
      links.map((l) => l.recipientId),
      { wallMs: outcome.wallMs, problems, driftReports },
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
      mismatches.length === 0,
  };
  if (options.report !== undefined) await writeFile(options.report, renderReport(result), 'utf8');
  return result;
}
