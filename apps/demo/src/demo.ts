import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { DEFAULTS, type DemoOptions } from './args.js';
import { mailingLinks } from './campaign.js';
import { discoverRate } from './clients/discover.js';
import { TIMEOUT_MS } from './clients/types.js';
import { faultRates } from './provider/faults.js';
import { type Provider, startProvider, TOKEN_TTL_SEC } from './provider/server.js';
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
import { openSession, type Session } from './session.js';
import { openStore, type RunStore } from './stores.js';
import { shiftedClock } from './time/shifted-clock.js';
import { openWorkers } from './workers/pool.js';
import type { SharedSpec } from './workers/protocol.js';

type ClientName = 'naive' | 'brace';

/**
 * The quota each Brace process's limiter starts from: the advertised one, or with `--workers` on
 * PostgreSQL (which shares the token but has no limiter store) an equal share of it per process.
 */
async function braceRate(baseUrl: string, options: DemoOptions): Promise<number> {
  const rate = await discoverRate(baseUrl, options.rate);
  return options.workers > 1 && options.store === 'postgres'
    ? Math.max(1, Math.floor(rate / options.workers))
    : rate;
}

/** Where `--workers` processes share their parts: the run's Redis or PostgreSQL. */
function sharedSpec(store: RunStore): SharedSpec {
  if (store.shared === undefined) throw new Error('--workers needs --store redis or postgres.');
  return store.shared;
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
  let session: Session | undefined;
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
      slowMs: TIMEOUT_MS + 500,
      driftAfter: Math.floor(options.links / 2),
      webhookUrl: receiver.url,
      webhookSecret: secret,
      legacyHeaders: options.legacyHeaders,
      oauth: { clock, ...oauth },
    });
    const baseUrl = `${provider.url}/`;
    const running = provider;
    const setup = {
      name,
      baseUrl,
      tokenUrl: `${provider.url}/oauth/token`,
      ...oauth,
      rate: name === 'brace' ? await braceRate(baseUrl, options) : options.rate,
      quiet: options.quiet,
    };
    session =
      options.workers > 1
        ? await openWorkers(setup, sharedSpec(runStore), options.workers, (on) =>
            running.setOutage(on),
          )
        : await openSession(setup, clock, signal);
    const links = mailingLinks(options.links, options.seed);
    const half = Math.ceil(links.length / 2);
    const first = await session.create(links.slice(0, half), signal);
    const reads = await session.reads(first.created, provider, signal);
    // One token lifetime passes: the token the naive app holds is now expired.
    clock.advance(TOKEN_TTL_SEC * 1000);
    await session.advance(TOKEN_TTL_SEC * 1000);
    const second = await session.create(links.slice(half), signal);
    const report = await session.report();
    await receiver.settle(signal);
    await provider.close();
    addStats(webhooks, receiver.stats);
    return resultFromLedger(
      provider.ledger,
      links.map((l) => l.recipientId),
      {
        wallMs: first.wallMs + second.wallMs,
        problems: report.problems,
        driftReports: report.driftReports,
        reads,
        figures: report.figures,
        tokensObtained: report.tokensObtained,
        inbox: { ...receiver.stats },
      },
    );
  } finally {
    await session?.close().catch(() => {});
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
      workers: options.workers,
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
