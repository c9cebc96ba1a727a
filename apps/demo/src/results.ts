import type { DriftReport } from '@brace/schema-guard';
import type { Ledger, SecondStats } from './provider/ledger.js';
import type { ReadResult } from './reads.js';
import type { ReceiverStats } from './receiver/receiver.js';

/** What telemetry says about a client at the end of its run. */
export interface ClientFigures {
  /** Calls that ended in an error, as a share of calls (the app's view). */
  errorRate: number;
  /** 95th percentile of call latency, ms. */
  p95Ms: number;
  /** `ok`, `degraded` or `down`. */
  health: string;
}

/** One client's results, computed from the provider's ledger. */
export interface ClientResult {
  /** Links the campaign asked for. */
  requested: number;
  /** Recipients that got at least one link. */
  created: number;
  /** Extra links beyond one per recipient. */
  duplicates: number;
  /** Recipients that got no link. */
  lost: number;
  /** Requests that arrived while the provider's sliding second already held its limit. */
  overLimit: number;
  /** 429 answers earned. */
  rateLimited: number;
  /** POST requests beyond the first per recipient. */
  retries: number;
  /** Campaign wall time. */
  wallMs: number;
  /** Errors the app code saw, by problem title (or error name). */
  problems: Record<string, number>;
  /** Schema drift reports the client raised. */
  drifts: number;
  /**
   * Requests sent with an expired access token, counted by the provider on arrival: a 401, or a
   * 429 or injected 503 when the rate limit or a fault refused the request before the token check.
   */
  expiredTokenRequests: number;
  /** Access tokens the client obtained (and kept) from the authorization server. */
  tokensObtained: number;
  /** Reads during the outage answered from a stale cache entry. */
  staleAnswers: number;
  /** Reads during the outage that failed. */
  outageFailures: number;
  /** Webhook events dead-lettered in the run's inbox. */
  deadLetters: number;
  /** Of which replayed and processed once the handler was fixed. */
  replayed: number;
  /** p95 call latency (telemetry), ms. */
  p95Ms: number;
  /** Share of calls that failed (telemetry). */
  errorRate: number;
  /** Health at the end of the run (telemetry; for Brace also the breaker and Sunset dates). */
  health: string;
}

/** More of the provider's side, for the table and the report. */
export interface RunDetail {
  requests: number;
  unavailable: number;
  dropped: number;
  slow: number;
  replayed: number;
  limit: number;
  seconds: SecondStats[];
  driftReports: DriftReport[];
  reads: ReadResult;
  /** 503s the provider answered while it was down. */
  outageAnswers: number;
  /** Requests per route pattern, as the provider counted them. */
  routes: Record<string, number>;
  deliveries: Ledger['deliveries'];
}

/** What `runDemo` returns; `--json` prints `{ naive, brace, webhooks }`. */
export interface DemoResult {
  naive: ClientResult;
  brace: ClientResult;
  webhooks: ReceiverStats;
  detail: {
    naive: RunDetail;
    brace: RunDetail;
    store: string;
    /** Processes per client (`--workers`). */
    workers: number;
    seed: number;
    rate: number;
  };
  /**
   * Where the receiver's counts disagree with the deliveries the providers' ledgers sent
   * (empty when every event was processed once and every forged or stale one rejected).
   */
  webhookMismatches: string[];
  /**
   * Brace showed 0 duplicates, 0 lost, 0 over the limit, 0 expired-token requests and 0 failed
   * outage reads, and `webhookMismatches` is empty.
   */
  ok: boolean;
}

/**
 * Checks the receiver's counts against what the providers' ledgers sent (summed over the runs):
 * every delivery arrived, each genuine event was processed once, each duplicate skipped, each
 * forged or stale one rejected. Returns one line per mismatch.
 */
export function webhookMismatches(
  stats: ReceiverStats,
  sent: ReadonlyArray<Ledger['deliveries']>,
): string[] {
  const total = (kind: keyof Ledger['deliveries']) => sent.reduce((n, d) => n + d[kind], 0);
  const expected: Array<[string, number, number]> = [
    [
      'received',
      stats.received,
      total('genuine') + total('duplicate') + total('forged') + total('stale'),
    ],
    ['processed once', stats.processed, total('genuine')],
    ['duplicates skipped', stats.duplicatesSkipped, total('duplicate')],
    ['rejected', stats.rejected, total('forged') + total('stale')],
    ['dead letters replayed', stats.replayed, stats.deadLettered],
  ];
  return expected
    .filter(([, got, want]) => got !== want)
    .map(([what, got, want]) => `webhooks ${what} ${got}, expected ${want}`);
}

/** Reads one run's results off the provider's ledger. */
export function resultFromLedger(
  ledger: Ledger,
  requestedIds: readonly string[],
  extra: {
    wallMs: number;
    problems: Record<string, number>;
    driftReports: DriftReport[];
    reads: ReadResult;
    figures: ClientFigures;
    tokensObtained: number;
    inbox: ReceiverStats;
  },
): { result: ClientResult; detail: RunDetail } {
  let created = 0;
  for (const id of requestedIds) if (ledger.linksByRecipient.has(id)) created++;
  return {
    result: {
      requested: requestedIds.length,
      created,
      duplicates: ledger.linksCreated - ledger.linksByRecipient.size,
      lost: requestedIds.length - created,
      overLimit: ledger.overLimit,
      rateLimited: ledger.rateLimited,
      retries: ledger.retries,
      wallMs: extra.wallMs,
      problems: extra.problems,
      drifts: extra.driftReports.length,
      expiredTokenRequests: ledger.expiredTokens,
      tokensObtained: extra.tokensObtained,
      staleAnswers: extra.reads.staleAnswers,
      outageFailures: extra.reads.outageFailures,
      deadLetters: extra.inbox.deadLettered,
      replayed: extra.inbox.replayed,
      p95Ms: extra.figures.p95Ms,
      errorRate: extra.figures.errorRate,
      health: extra.figures.health,
    },
    detail: {
      requests: ledger.requests,
      unavailable: ledger.unavailable,
      dropped: ledger.dropped,
      slow: ledger.slow,
      replayed: ledger.replayed,
      limit: ledger.limit,
      seconds: ledger.seconds,
      driftReports: extra.driftReports,
      reads: extra.reads,
      outageAnswers: ledger.outageAnswers,
      routes: ledger.routes,
      deliveries: { ...ledger.deliveries },
    },
  };
}

/** The JSON `--json` prints: exactly `{ naive, brace, webhooks }`. */
export function jsonResult(result: DemoResult): {
  naive: ClientResult;
  brace: ClientResult;
  webhooks: ReceiverStats;
} {
  return { naive: result.naive, brace: result.brace, webhooks: result.webhooks };
}

/** A share as a percentage with one decimal. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function problemsText(problems: Record<string, number>): string {
  const entries = Object.entries(problems).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${n}× ${k}`).join(', ');
}

/** The readable table. */
export function formatTable(result: DemoResult): string {
  const { naive, brace, webhooks, detail } = result;
  const rows: Array<[string, string | number, string | number]> = [
    ['links requested', naive.requested, brace.requested],
    ['links created (recipients served)', naive.created, brace.created],
    ['duplicates', naive.duplicates, brace.duplicates],
    ['lost', naive.lost, brace.lost],
    ['requests sent (provider count)', detail.naive.requests, detail.brace.requests],
    ['requests over the limit', naive.overLimit, brace.overLimit],
    ['429s earned', naive.rateLimited, brace.rateLimited],
    ['retries (POSTs beyond the first)', naive.retries, brace.retries],
    [
      '503s / dropped / slow (injected)',
      `${detail.naive.unavailable} / ${detail.naive.dropped} / ${detail.naive.slow}`,
      `${detail.brace.unavailable} / ${detail.brace.dropped} / ${detail.brace.slow}`,
    ],
    ['idempotent replays', detail.naive.replayed, detail.brace.replayed],
    ['schema drifts reported', naive.drifts, brace.drifts],
    ['expired-token requests', naive.expiredTokenRequests, brace.expiredTokenRequests],
    ['access tokens obtained', naive.tokensObtained, brace.tokensObtained],
    [
      'outage reads: stale / failed',
      `${naive.staleAnswers} / ${naive.outageFailures}`,
      `${brace.staleAnswers} / ${brace.outageFailures}`,
    ],
    [
      'webhook dead letters / replayed',
      `${naive.deadLetters} / ${naive.replayed}`,
      `${brace.deadLetters} / ${brace.replayed}`,
    ],
    ['p95 call latency', `${naive.p95Ms} ms`, `${brace.p95Ms} ms`],
    ['error rate (calls)', percent(naive.errorRate), percent(brace.errorRate)],
    ['health at the end', naive.health, brace.health],
    ['wall time', `${(naive.wallMs / 1000).toFixed(1)} s`, `${(brace.wallMs / 1000).toFixed(1)} s`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => String(r[1]).length));
  const w2 = Math.max(5, ...rows.map((r) => String(r[2]).length));
  const line = (a: string, b: string | number, c: string | number) =>
    `  ${a.padEnd(w0)}  ${String(b).padStart(w1)}  ${String(c).padStart(w2)}`;
  const out = [
    `Brace demo — seed ${detail.seed}, provider limit ${detail.rate} req/s, store ${detail.store}${detail.workers > 1 ? `, ${detail.workers} processes per client` : ''}`,
    '',
    line('', 'naive', 'brace'),
    line('-'.repeat(w0), '-'.repeat(w1), '-'.repeat(w2)),
    ...rows.map((r) => line(...r)),
    '',
    `  errors surfaced, naive: ${problemsText(naive.problems)}`,
    `  errors surfaced, brace: ${problemsText(brace.problems)}`,
  ];
  for (const report of detail.brace.driftReports) {
    const findings = report.findings.map((f) => `${f.kind} ${f.path}`).join(', ');
    out.push(`  drift reported by brace: ${report.route} ${report.status}: ${findings}`);
  }
  const reasons = Object.entries(webhooks.rejectedByReason)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  out.push(
    '',
    `  webhooks (both runs): received ${webhooks.received}, verified ${webhooks.verified}, rejected ${webhooks.rejected}${reasons ? ` (${reasons})` : ''}, processed once ${webhooks.processed}, duplicates skipped ${webhooks.duplicatesSkipped}, dead letters ${webhooks.deadLettered} (replayed ${webhooks.replayed})`,
    '',
    result.ok
      ? '  OK: Brace created every link exactly once, never went over the limit, never sent an expired token and answered every outage read; every webhook was processed once (the dead letter after its replay) or rejected.'
      : `  FAILED: Brace showed ${brace.duplicates} duplicates, ${brace.lost} lost, ${brace.overLimit} over the limit, ${brace.expiredTokenRequests} expired-token requests, ${brace.outageFailures} failed outage reads${result.webhookMismatches.map((m) => `; ${m}`).join('')}.`,
  );
  return out.join('\n');
}
