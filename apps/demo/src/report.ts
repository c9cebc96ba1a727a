import type { SecondStats } from './provider/ledger.js';
import { type ClientResult, type DemoResult, percent, type RunDetail } from './results.js';

const W = 760;
const H = 240;
const PAD = { left: 48, right: 16, top: 16, bottom: 32 };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(value: number): number {
  const steps = [1, 2, 5];
  let scale = 1;
  for (;;) {
    for (const s of steps) if (s * scale >= value) return s * scale;
    scale *= 10;
  }
}

/** One client's timeline: requests per second (accepted + 429), the limit line, retries. */
export function timelineSvg(name: string, seconds: readonly SecondStats[], limit: number): string {
  const n = Math.max(1, seconds.length);
  const peak = Math.max(limit, ...seconds.map((s) => s.requests));
  const yMax = niceMax(Math.ceil(peak * 1.1));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (i / n) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const barW = Math.max(1, plotW / n - 1);
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (yMax / 4) * t;
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
    );
  }
  const tickEvery = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += tickEvery) {
    parts.push(`<text x="${x(i) + barW / 2}" y="${H - 10}" text-anchor="middle">${i}s</text>`);
  }
  seconds.forEach((s, i) => {
    const okCount = s.requests - s.rateLimited;
    parts.push(
      `<rect class="ok" x="${x(i)}" y="${y(okCount)}" width="${barW}" height="${y(0) - y(okCount)}"><title>${i}s: ${s.requests} requests, ${s.rateLimited} 429s, ${s.retries} retries, ${s.overLimit} over the limit</title></rect>`,
    );
    if (s.rateLimited > 0) {
      parts.push(
        `<rect class="limited" x="${x(i)}" y="${y(s.requests)}" width="${barW}" height="${y(okCount) - y(s.requests)}"/>`,
      );
    }
  });
  const retryPoints = seconds.map(
    (s, i) => `${(x(i) + barW / 2).toFixed(1)},${y(s.retries).toFixed(1)}`,
  );
  if (retryPoints.length > 0) {
    parts.push(`<path class="retries" d="M${retryPoints.join(' L')}"/>`);
  }
  parts.push(
    `<path class="limit" d="M${PAD.left},${y(limit)} L${W - PAD.right},${y(limit)}"/>`,
    `<text class="limit-label" x="${W - PAD.right}" y="${y(limit) - 4}" text-anchor="end">limit ${limit}/s</text>`,
  );
  return `<svg class="timeline" data-client="${esc(name)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(name)}: requests per second against the limit">${parts.join('')}</svg>`;
}

function summaryRows(
  naive: ClientResult,
  brace: ClientResult,
  dn: RunDetail,
  db: RunDetail,
): string {
  const rows: Array<[string, string | number, string | number]> = [
    ['links requested', naive.requested, brace.requested],
    ['links created', naive.created, brace.created],
    ['duplicates', naive.duplicates, brace.duplicates],
    ['lost', naive.lost, brace.lost],
    ['requests sent', dn.requests, db.requests],
    ['requests over the limit', naive.overLimit, brace.overLimit],
    ['429s earned', naive.rateLimited, brace.rateLimited],
    ['retries', naive.retries, brace.retries],
    ['schema drifts reported', naive.drifts, brace.drifts],
    ['expired-token requests', naive.expiredTokenRequests, brace.expiredTokenRequests],
    ['access tokens obtained', naive.tokensObtained, brace.tokensObtained],
    ['stale answers during the outage', naive.staleAnswers, brace.staleAnswers],
    ['failed reads during the outage', naive.outageFailures, brace.outageFailures],
    ['webhook dead letters', naive.deadLetters, brace.deadLetters],
    ['dead letters replayed', naive.replayed, brace.replayed],
    ['p95 call latency (ms)', naive.p95Ms, brace.p95Ms],
    ['error rate (calls)', percent(naive.errorRate), percent(brace.errorRate)],
    ['health at the end', esc(naive.health), esc(brace.health)],
    ['wall time (s)', (naive.wallMs / 1000).toFixed(1), (brace.wallMs / 1000).toFixed(1)],
  ];
  return rows
    .map(
      ([a, b, c]) => `<tr data-row="${esc(a)}"><th>${esc(a)}</th><td>${b}</td><td>${c}</td></tr>`,
    )
    .join('');
}

/** The self-contained HTML report (inline CSS and SVG, no external assets). */
export function renderReport(result: DemoResult): string {
  const { naive, brace, webhooks, detail } = result;
  const reasons = Object.entries(webhooks.rejectedByReason)
    .map(([k, n]) => `${esc(k)}: ${n}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Brace demo report</title>
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:820px;color:#1d232a;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.25rem .75rem;border-bottom:1px solid #e3e6ea;text-align:right}th{text-align:left;font-weight:500}
.verdict{padding:.5rem 1rem;border-radius:6px;background:${result.ok ? '#e6f6ec' : '#fdecea'}}
svg.timeline{display:block;background:#fafbfc;border:1px solid #e3e6ea;border-radius:6px}
svg text{font:11px system-ui,sans-serif;fill:#5b6470}
.grid{stroke:#e3e6ea}.ok{fill:#4c8bf5}.limited{fill:#e5484d}
.retries{fill:none;stroke:#f5a524;stroke-width:2}.limit{stroke:#1d232a;stroke-dasharray:6 4;stroke-width:1.5}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
</style></head><body>
<h1>Brace demo report</h1>
<p>Seed ${detail.seed}, provider limit ${detail.rate} requests per second, idempotency store ${esc(detail.store)}. Every figure comes from the provider's ledger.</p>
<p class="verdict">${result.ok ? 'Brace created every link exactly once, never went over the limit, never sent an expired token and answered every read during the outage.' : 'Brace did not hold its invariants in this run.'}</p>
<table><tr><th></th><th>naive</th><th>brace</th></tr>${summaryRows(naive, brace, detail.naive, detail.brace)}</table>
<p class="legend"><span><i style="background:#4c8bf5"></i>accepted requests/s</span><span><i style="background:#e5484d"></i>429s</span><span><i style="background:#f5a524"></i>retries/s</span><span><i style="border-top:2px dashed #1d232a;height:0"></i>limit</span></p>
<h2>Naive ky client</h2>
${timelineSvg('naive', detail.naive.seconds, detail.naive.limit)}
<h2>Brace client</h2>
${timelineSvg('brace', detail.brace.seconds, detail.brace.limit)}
<h2>Webhooks</h2>
<p>Received ${webhooks.received}, verified ${webhooks.verified}, rejected ${webhooks.rejected}${reasons ? ` (${reasons})` : ''}, processed once ${webhooks.processed}, duplicates skipped ${webhooks.duplicatesSkipped}, dead-lettered ${webhooks.deadLettered} and replayed ${webhooks.replayed} once the handler was fixed.</p>
</body></html>
`;
}
