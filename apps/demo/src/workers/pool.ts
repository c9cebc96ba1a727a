import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CampaignOutcome } from '../campaign.js';
import type { LinkInput } from '../clients/types.js';
import type { ReadResult } from '../reads.js';
import type { ClientFigures } from '../results.js';
import type { Session, SessionReport, SessionSetup } from '../session.js';
import { rpc, type SharedSpec } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
const APP = fileURLToPath(new URL('../..', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../../../../tsconfig.base.json', import.meta.url));

/** The most worker processes `--workers` starts. */
export const MAX_WORKERS = 8;

const HEALTH_ORDER = ['ok', 'degraded', 'down'];

/** Splits `items` into `n` contiguous slices of near-equal length. */
export function slices<T>(items: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) =>
    items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)),
  );
}

/** Adds up the reports of many processes: counts summed, p95 the worst, health the worst. */
export function mergeReports(reports: readonly SessionReport[]): SessionReport {
  const problems: Record<string, number> = {};
  for (const r of reports) {
    for (const [k, n] of Object.entries(r.problems)) problems[k] = (problems[k] ?? 0) + n;
  }
  const calls = reports.reduce((n, r) => n + r.calls, 0);
  const errors = reports.reduce((n, r) => n + r.errors, 0);
  const figures: ClientFigures = {
    errorRate: calls === 0 ? 0 : errors / calls,
    p95Ms: Math.max(0, ...reports.map((r) => r.figures.p95Ms)),
    health: reports
      .map((r) => r.figures.health)
      .reduce((a, b) => (HEALTH_ORDER.indexOf(b) > HEALTH_ORDER.indexOf(a) ? b : a), 'ok'),
  };
  return {
    problems,
    driftReports: reports.flatMap((r) => r.driftReports),
    tokensObtained: reports.reduce((n, r) => n + r.tokensObtained, 0),
    figures,
    calls,
    errors,
  };
}

/**
 * `--workers N`: N child processes (this Node, tsx's loader), each running the same client on
 * its slice of every phase, sharing the limit, the token and the cache through `shared`. The
 * reads and the outage run in the first worker; its outage switch is a request back to this
 * process, answered once the provider is switched. Children are killed on any failure.
 */
export async function openWorkers(
  setup: Omit<SessionSetup, 'shared'>,
  shared: SharedSpec,
  count: number,
  outage: (on: boolean) => void,
): Promise<Session> {
  if (!Number.isInteger(count) || count < 2 || count > MAX_WORKERS) {
    throw new RangeError(`Workers must be 2 to ${MAX_WORKERS}.`);
  }
  const children: ChildProcess[] = [];
  const links = [] as Array<ReturnType<typeof rpc>>;
  const stopAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  try {
    for (let i = 0; i < count; i++) {
      const child = fork(WORKER, [JSON.stringify({ setup: { ...setup, quiet: true }, shared })], {
        cwd: APP,
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const link = rpc(child, async (method, params) => {
        if (method !== 'outage') throw new Error(`Unknown request ${method}.`);
        outage(params === true);
        return null;
      });
      child.once('exit', (code, signal) =>
        link.fail(new Error(`Worker ${i + 1} exited (${signal ?? code}).`)),
      );
      links.push(link);
    }
    // The first opens alone (it may create shared tables), then the others.
    await links[0]?.call('open');
    await Promise.all(links.slice(1).map((l) => l.call('open')));
  } catch (error) {
    stopAll();
    throw error;
  }
  const all = <T>(method: string, params: (i: number) => unknown) =>
    Promise.all(links.map((l, i) => l.call<T>(method, params(i))));
  const guarded = async <T>(work: Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (!signal) return work;
    signal.throwIfAborted();
    const onAbort = () => stopAll();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await work;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  return {
    async create(items: readonly LinkInput[], signal?: AbortSignal): Promise<CampaignOutcome> {
      const parts = slices(items, count);
      const outcomes = await guarded(
        all<CampaignOutcome>('create', (i) => parts[i]),
        signal,
      );
      return {
        wallMs: Math.max(0, ...outcomes.map((o) => o.wallMs)),
        succeeded: outcomes.reduce((n, o) => n + o.succeeded, 0),
        created: outcomes.flatMap((o) => o.created),
        problems: {},
      };
    },
    reads: (ids, _provider, signal) =>
      guarded((links[0] as ReturnType<typeof rpc>).call<ReadResult>('reads', ids), signal),
    advance: async (ms) => {
      await all('advance', () => ms);
    },
    report: async () => mergeReports(await all<SessionReport>('report', () => null)),
    async close() {
      await Promise.all(links.map((l) => l.call('close').catch(() => {})));
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) resolve();
              else {
                const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
                child.once('exit', () => {
                  clearTimeout(timer);
                  resolve();
                });
              }
            }),
        ),
      );
    },
  };
}
