import { describe, expect, it } from 'vitest';
import { emptyReceiverStats } from './receiver/receiver.js';
import { renderReport } from './report.js';
import { type ClientResult, type DemoResult, formatTable, type RunDetail } from './results.js';

const client = (over: Partial<ClientResult>): ClientResult => ({
  requested: 10,
  created: 10,
  duplicates: 0,
  lost: 0,
  overLimit: 0,
  rateLimited: 0,
  retries: 0,
  wallMs: 1000,
  problems: {},
  drifts: 0,
  expiredTokenRequests: 0,
  tokensObtained: 2,
  staleAnswers: 10,
  outageFailures: 0,
  deadLetters: 1,
  replayed: 1,
  p95Ms: 120,
  errorRate: 0,
  health: 'ok',
  ...over,
});

const detail: RunDetail = {
  requests: 12,
  unavailable: 1,
  dropped: 1,
  slow: 0,
  replayed: 1,
  limit: 100,
  seconds: [
    {
      requests: 12,
      accepted: 12,
      rateLimited: 0,
      overLimit: 0,
      retries: 1,
      unavailable: 1,
      dropped: 1,
    },
  ],
  driftReports: [],
  reads: { reads: 10, readsFailed: 0, outageReads: 10, staleAnswers: 10, outageFailures: 0 },
  outageAnswers: 10,
  routes: { 'POST /links': 12 },
  deliveries: { genuine: 10, duplicate: 0, forged: 0, stale: 0 },
};

const result: DemoResult = {
  naive: client({
    expiredTokenRequests: 37,
    tokensObtained: 1,
    staleAnswers: 0,
    outageFailures: 10,
    p95Ms: 1940,
    errorRate: 0.19,
    health: 'degraded',
  }),
  brace: client({}),
  webhooks: { ...emptyReceiverStats(), deadLettered: 2, replayed: 2 },
  detail: { naive: detail, brace: detail, store: 'redis', workers: 3, seed: 1, rate: 100 },
  webhookMismatches: [],
  ok: true,
};

describe('the new ledger rows', () => {
  it('are in the table, naive then brace', () => {
    const table = formatTable(result);
    expect(table).toContain('store redis, 3 processes per client');
    expect(table).toMatch(/expired-token requests\s+37\s+0/);
    expect(table).toMatch(/access tokens obtained\s+1\s+2/);
    expect(table).toMatch(/outage reads: stale \/ failed\s+0 \/ 10\s+10 \/ 0/);
    expect(table).toMatch(/webhook dead letters \/ replayed\s+1 \/ 1\s+1 \/ 1/);
    expect(table).toMatch(/p95 call latency\s+1940 ms\s+120 ms/);
    expect(table).toMatch(/error rate \(calls\)\s+19\.0%\s+0\.0%/);
    expect(table).toMatch(/health at the end\s+degraded\s+ok/);
    expect(table).toContain('dead letters 2 (replayed 2)');
  });

  it('are in the HTML report, naive then brace', () => {
    const html = renderReport(result);
    const row = (name: string) =>
      html
        .match(new RegExp(`<tr data-row="${name}"><th>[^<]*</th><td>([^<]*)</td><td>([^<]*)</td>`))
        ?.slice(1);
    expect(row('expired-token requests')).toEqual(['37', '0']);
    expect(row('stale answers during the outage')).toEqual(['0', '10']);
    expect(row('failed reads during the outage')).toEqual(['10', '0']);
    expect(row('webhook dead letters')).toEqual(['1', '1']);
    expect(row('dead letters replayed')).toEqual(['1', '1']);
    expect(row('p95 call latency \\(ms\\)')).toEqual(['1940', '120']);
    expect(row('error rate \\(calls\\)')).toEqual(['19.0%', '0.0%']);
    expect(row('health at the end')).toEqual(['degraded', 'ok']);
    expect(html).toContain('dead-lettered 2 and replayed 2');
  });
});
