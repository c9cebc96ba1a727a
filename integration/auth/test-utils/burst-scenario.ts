// The burst scenario of issue 20: `processes` workers sharing one store each fire
// `perProcess` requests at once, `bursts` times, each time just after the cached token passed
// its hand-out limit (expiresAt - expirySkewMs), so every request of every process needs the
// next token at the same instant; the old token's real expiry lands expirySkewMs - 50 ms later,
// while the server still holds every response of the burst (all of them in flight).
import type { OAuthLedger } from '@brace/simulator/oauth';
import { type BurstWindow, burstServer } from './burst-server.js';
import type { WorkerBurst } from './child-burst.js';
import { CLIENT_SECRET } from './loopback.js';
import { spawnWorker, waitForLine } from './multi-process.js';

/** One burst, as measured. */
export interface BurstRound {
  /** Epoch ms the requests were fired. */
  go: number;
  /** The old token's server-side expiry. */
  oldExpiry: number;
  /** Token-endpoint calls from `go` to the end of the burst. */
  tokenCalls: number;
  statuses: Record<string, number>;
  /** Requests fired before the old token's expiry and answered after it, all workers. */
  inFlightAtExpiry: number;
  /** Per worker. */
  inFlightAtExpiryPerProcess: number[];
  maxLatencyMs: number;
  /** Milliseconds from `go` to each request's arrival at the server: p50, p99, max. */
  arrivalMs: { p50: number; p99: number; max: number };
  /** Milliseconds from `go` to the burst's token call. */
  tokenCallMs: number[];
  server: Omit<BurstWindow, 'arrivals'>;
}

/** What the burst scenario measured. */
export interface BurstFigures {
  rounds: BurstRound[];
  /** Token-endpoint calls in all (the first token included). */
  tokenCalls: number;
  /** Token-endpoint calls while the workers obtained the first token at once. */
  warmTokenCalls: number;
  ledger: OAuthLedger;
  durationMs: number;
}

/** The manager's expirySkewMs in the workers. */
export const BURST_SKEW_MS = 3000;
/** The access-token lifetime, seconds. */
export const BURST_TTL_SEC = 12;

/** Runs the scenario; kills only the workers it spawned. */
export async function burstScenario(
  file: string,
  env: Record<string, string>,
  key: string,
  processes = 4,
  perProcess = 500,
  bursts = 1,
): Promise<BurstFigures> {
  const started = Date.now();
  const s = await burstServer(BURST_TTL_SEC);
  const config = {
    mode: 'burst' as const,
    tokenUrl: s.tokenUrl,
    resourceUrl: s.resourceUrl,
    clientSecret: CLIENT_SECRET,
    key,
    requests: perProcess,
    expirySkewMs: BURST_SKEW_MS,
  };
  const workers = Array.from({ length: processes }, () => spawnWorker(file, config, env));
  try {
    await Promise.all(workers.map((w) => waitForLine(w, 'ready')));
    const warmed = workers.map((w) => waitForLine(w, 'warm'));
    for (const w of workers) w.send('warm');
    const warm = await Promise.all(warmed);
    if (warm.some((l) => l !== 'warm')) throw new Error(`warm-up failed: ${warm.join(', ')}`);
    const warmTokenCalls = s.tokenCallTimes.length;
    const rounds: BurstRound[] = [];
    for (let b = 0; b < bursts; b++) {
      const oldExpiry = s.lastExpiry();
      const go = oldExpiry - BURST_SKEW_MS + 50;
      if (Date.now() > go - 200) {
        // Not a library failure: the machine is so loaded that the previous round ran into
        // this token's hand-out limit, so this round could not start at it.
        throw new Error(
          `round ${b + 1}: the previous round ended ${Date.now() - go} ms past this round's start`,
        );
      }
      const window = s.arm(processes * perProcess, oldExpiry + 50);
      const lines = workers.map((w) => waitForLine(w, 'burst '));
      for (const w of workers) w.send(`go ${go} ${oldExpiry}`);
      const results = (await Promise.all(lines)).map((l) => JSON.parse(l.slice(6)) as WorkerBurst);
      const server = await window;
      const statuses: Record<string, number> = {};
      for (const r of results) {
        for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
      }
      rounds.push({
        go,
        oldExpiry,
        tokenCalls: s.tokenCallTimes.filter((t) => t >= go && t <= server.releasedAt).length,
        statuses,
        inFlightAtExpiry: results.reduce((n, r) => n + r.inFlightAtExpiry, 0),
        inFlightAtExpiryPerProcess: results.map((r) => r.inFlightAtExpiry),
        maxLatencyMs: Math.max(...results.map((r) => r.maxLatencyMs)),
        arrivalMs: spread(server.arrivals.map((t) => t - go)),
        tokenCallMs: s.tokenCallTimes.filter((t) => t >= go).map((t) => t - go),
        server: { maxConcurrent: server.maxConcurrent, releasedAt: server.releasedAt },
      });
    }
    return {
      rounds,
      tokenCalls: s.oauth.ledger.tokenRequests,
      warmTokenCalls,
      ledger: structuredClone(s.oauth.ledger),
      durationMs: Date.now() - started,
    };
  } finally {
    for (const w of workers) w.process.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await s.close();
  }
}

/** p50, p99 and max. */
function spread(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}
