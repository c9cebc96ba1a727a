import type { DriftReport } from '@brace/schema-guard';
import type { Ledger, SecondStats } from './provider/ledger.js';
import type { ReceiverStats } from './receiver/receiver.js';

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
  deliveries: Ledger['deliveries'];
}

/** What `runDemo` returns; `--json` prints `{ naive, brace, webhooks }`. */
export interface DemoResult {
  naive: ClientResult;
  brace: ClientResult;
  webhooks: ReceiverStats;
  detail: { naive: RunDetail; brace: RunDetail; store: string; seed: number; rate: number };
  /**
   * Where the receiver's counts disagree with the deliveries the providers' ledgers sent
   * (empty when every event was processed once and every forged or stale one rejected).
   */
  webhookMismatches: string[];
  /** Brace showed 0 duplicates, 0 lost and 0 over the limit, and `webhookMismatches` is empty. */
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
  ];
  return expected
    .filter(([, got, want]) => got !== want)
    .map(([what, got, want]) => `webhooks ${what} ${got}, expected ${want}`);
}

/** Reads one run's results off the provider's ledger. */
export function resultFromLedger(
  ledger: Ledger,
  requestedIds: readonly string[],
  extra: { wallMs: number; problems: Record<string, number>; driftReports: DriftReport[] },
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
    ['wall time', `${(naive.wallMs / 1000).toFixed(1)} s`, `${(brace.wallMs / 1000).toFixed(1)} s`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => String(r[1]).length));
  const w2 = Math.max(5, ...rows.map((r) => String(r[2]).length));
  const line = (a: string, b: string | number, c: string | number) =>
    `  ${a.padEnd(w0)}  ${String(b).padStart(w1)}  ${String(c).padStart(w2)}`;
  const out = [
    `Brace demo — seed ${detail.seed}, provider limit ${detail.rate} req/s, store ${detail.store}`,
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
    `  webhooks (both runs): received ${webhooks.received}, verified ${webhooks.verified}, rejected ${webhooks.rejected}${reasons ? ` (${reasons})` : ''}, processed once ${webhooks.processed}, duplicates skipped ${webhooks.duplicatesSkipped}`,
    '',
    result.ok
      ? '  OK: Brace created every link exactly once and never went over the limit; every webhook was processed once or rejected.'
      : `  FAILED: Brace showed ${brace.duplicates} duplicates, ${brace.lost} lost, ${brace.overLimit} over the limit${result.webhookMismatches.map((m) => `; ${m}`).join('')}.`,
  );
  return out.join('\n');
}
