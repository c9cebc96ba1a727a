// The default configuration (no `recover`, no `resendInDoubt`) when the lock holder dies
// between the token response and the save: the rotated refresh token existed only in the dead
// process, the one in the store is spent. What the survivors do is measured here.

import { spawnWorker, type Worker } from './multi-process.js';
import { rotatingCycles } from './scenarios.js';

/** What the in-doubt scenario measured. */
export interface InDoubtFigures {
  /** Saves before the kill. */
  savesBefore: number;
  /** Saves after the kill (by the survivors). */
  savesAfter: number;
  /** Token-endpoint calls after the kill. */
  tokenCallsAfter: number;
  /** Per survivor, milliseconds from the kill to its first `refresh_token_in_doubt`. */
  firstInDoubtMs: number[];
  /** Error lines of the survivors after the kill, by code. */
  errors: Record<string, number>;
  reuseDetections: number;
  revocations: number;
}

/** 4 workers without `recover`; the holder is killed once, between response and save. */
export async function inDoubtScenario(
  file: string,
  env: Record<string, string>,
  key: string,
  lockTtlMs: number,
  observeMs: number,
): Promise<InDoubtFigures> {
  const { s, config } = await rotatingCycles({}, { key, lockTtlMs, recover: false });
  const workers: Worker[] = [];
  let saves = 0;
  let savesBefore = 0;
  let killedAt: number | undefined;
  let tokenCallsAtKill = 0;
  const errors: Record<string, number> = {};
  const before = new Set<string>();
  const firstInDoubt = new Map<Worker, number>();
  let killed: () => void = () => {};
  const kill = new Promise<void>((r) => {
    killed = r;
  });
  for (let i = 0; i < 4; i++) {
    const w = spawnWorker(file, config, env);
    workers.push(w);
    w.onLine((l) => {
      if (l === 'B' && !(saves >= 3 && killedAt === undefined)) w.send('c');
      if (l === 'B' && saves >= 3 && killedAt === undefined) {
        w.process.kill('SIGKILL');
        killedAt = Date.now();
        savesBefore = saves;
        tokenCallsAtKill = s.oauth.ledger.tokenRequests;
        killed();
      } else if (l === 'S') {
        saves++;
      } else if (l.startsWith('E ') && killedAt === undefined) {
        before.add(l.slice(2).trim());
      } else if (l.startsWith('E ') && killedAt !== undefined) {
        const code = l.slice(2).trim();
        errors[code] = (errors[code] ?? 0) + 1;
        if (code.endsWith('refresh_token_in_doubt') && !firstInDoubt.has(w)) {
          firstInDoubt.set(w, Date.now() - killedAt);
        }
      }
    });
  }
  let guard: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    guard = setTimeout(
      () =>
        reject(
          new Error(
            `no kill point within 30 s (${saves} saves; errors: ${[...before].join(', ')})`,
          ),
        ),
      30_000,
    );
  });
  try {
    await Promise.race([kill, timeout]);
    clearTimeout(guard);
    await new Promise((r) => setTimeout(r, observeMs));
  } finally {
    clearTimeout(guard);
    for (const w of workers) w.process.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await s.server.close();
  }
  return {
    savesBefore,
    savesAfter: saves - savesBefore,
    tokenCallsAfter: s.oauth.ledger.tokenRequests - tokenCallsAtKill,
    firstInDoubtMs: [...firstInDoubt.values()],
    errors,
    reuseDetections: s.oauth.ledger.reuseDetections,
    revocations: s.oauth.ledger.revocations,
  };
}
