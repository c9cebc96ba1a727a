// The kill scenario of issue 20 (the burst is in burst-scenario.ts), shared by the Redis and
// PostgreSQL tests.
import { type RunningServer, serveFetch } from '@brace/simulator';
import { createOAuthServer, type OAuthLedger } from '@brace/simulator/oauth';
import type { ChildConfig } from './child-main.js';
import { CLIENT_SECRET } from './loopback.js';
import { spawnWorker, type Worker } from './multi-process.js';

const clients = [{ clientId: 'app', clientSecret: CLIENT_SECRET }];

/** Serves the simulator and records the time of every token-endpoint call. */
export async function serve(options: Parameters<typeof createOAuthServer>[0]) {
  const oauth = createOAuthServer({ clients, ...options });
  const tokenCallTimes: number[] = [];
  const server: RunningServer = await serveFetch((request) => {
    if (new URL(request.url).pathname === oauth.paths.token) tokenCallTimes.push(Date.now());
    return oauth.fetch(request);
  });
  return {
    oauth,
    server,
    tokenCallTimes,
    tokenUrl: `${server.url}${oauth.paths.token}`,
    resourceUrl: `${server.url}${oauth.paths.resource}`,
  };
}

/**
 * A server rotating refresh tokens (reuse detection on) with one grant issued, and the config
 * of `cycles` workers that start from its refresh token and pause before each save.
 */
export async function rotatingCycles(
  serverOptions: Parameters<typeof createOAuthServer>[0],
  workers: Pick<ChildConfig, 'key' | 'lockTtlMs' | 'recover' | 'pauseAfterLock'>,
) {
  const s = await serve({ accessTokenTtlSec: 600, rotateRefreshTokens: true, ...serverOptions });
  const first = s.oauth.issue('app', { refreshToken: true }).refresh_token as string;
  const config: ChildConfig = {
    mode: 'cycles',
    tokenUrl: s.tokenUrl,
    resourceUrl: s.resourceUrl,
    clientSecret: CLIENT_SECRET,
    refreshToken: first,
    pauseBeforeSave: true,
    ...workers,
  };
  return { s, config };
}

/** Where a SIGKILL landed, from the victim's last protocol line. */
export type KillPhase = 'locked' | 'sent' | 'answered' | 'saved';
const PHASE: Record<string, KillPhase> = {
  L: 'locked',
  C: 'sent',
  B: 'answered',
  S: 'saved',
  F: 'saved',
  U: 'saved',
};

/** What the kill scenario measured. */
export interface KillFigures {
  cycles: number;
  kills: number;
  /**
   * Kills by where they landed: `locked` (lock taken, nothing sent), `sent` (refresh token
   * sent, no answer yet), `answered` (the new tokens arrived, not saved), `saved`.
   */
  phases: Record<KillPhase, number>;
  /** Milliseconds from each SIGKILL to the next successful save by any process. */
  recoveries: number[];
  errors: Record<string, number>;
  ledger: OAuthLedger;
  durationMs: number;
}

/**
 * 4 workers refresh in a loop with rotating refresh tokens and reuse detection; every few
 * cycles one is SIGKILLed right after it prints a step picked at random (lock taken,
 * refresh token sent: 0-2 ms later; answer received: while it waits for the parent's go-ahead
 * to save), and replaced.
 */
export async function killScenario(
  file: string,
  env: Record<string, string>,
  key: string,
  cycles: number,
  lockTtlMs = 400,
): Promise<KillFigures> {
  const { s, config } = await rotatingCycles(
    { refreshTokenOnClientCredentials: true },
    { key, lockTtlMs, pauseAfterLock: true },
  );
  const live = new Set<Worker>();
  const victims: Array<{ last: () => string }> = [];
  const errors: Record<string, number> = {};
  const recoveries: number[] = [];
  let saves = 0;
  let nextKillAt = 3;
  let target: string | undefined;
  let killedAt: number | undefined;
  const started = Date.now();
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });

  let stopped = false;
  const add = () => {
    if (stopped) return;
    const w = spawnWorker(file, config, env);
    live.add(w);
    let last = '';
    w.onLine((l) => {
      if (l in PHASE) last = l;
      if (target === undefined && killedAt === undefined && saves >= nextKillAt && saves < cycles) {
        target = ['L', 'C', 'B'][Math.floor(Math.random() * 3)];
      }
      // The worker waits after `L` and after `B` for a `c`: withheld from the one to be killed
      // there, so that kill lands exactly while the lock is held or between answer and save.
      const paused = l === 'L' || l === 'B';
      if (paused && !(target === l && killedAt === undefined)) w.send('c');
      if (l === target && killedAt === undefined) {
        target = undefined;
        killedAt = -1;
        setTimeout(() => {
          w.process.kill('SIGKILL');
          live.delete(w);
          victims.push({ last: () => last });
          killedAt = Date.now();
          add();
        }, Math.random() * 2);
      } else if (l === 'S') {
        saves++;
        // A victim's own last lines may still arrive after its kill: not a recovery.
        if (killedAt !== undefined && killedAt >= 0 && live.has(w)) {
          recoveries.push(Date.now() - killedAt);
          killedAt = undefined;
          nextKillAt = saves + 2 + Math.floor(Math.random() * 5);
        }
        if (saves >= cycles && killedAt === undefined) finish();
      } else if (l.startsWith('E ')) {
        const code = l.slice(2).trim();
        errors[code] = (errors[code] ?? 0) + 1;
      }
    });
  };
  for (let i = 0; i < 4; i++) add();
  try {
    await finished;
  } finally {
    stopped = true;
    for (const w of live) w.process.kill('SIGKILL');
    await Promise.all([...live].map((w) => w.exited));
    await s.server.close();
  }
  const phases: Record<KillPhase, number> = { locked: 0, sent: 0, answered: 0, saved: 0 };
  for (const v of victims) phases[PHASE[v.last()] ?? 'saved'] += 1;
  return {
    cycles: saves,
    kills: victims.length,
    phases,
    recoveries,
    errors,
    ledger: structuredClone(s.oauth.ledger),
    durationMs: Date.now() - started,
  };
}

/** p50, p95 and max of `values` (ms). */
export function percentiles(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}
