// The idempotency suites' measurement rule, applied alike to Brace, the least-work floors,
// the bare apps and the peers:
//   - every contender's store is bounded the same way: emptied every STORE_BOUND requests and
//     before each measured segment (so no store grows to 100,000 entries, and express-
//     idempotency's linear-scan memory adapter is not judged on a store bigger than anyone's);
//   - the heap is settled before each segment (a full gc(), then a short pause for the
//     concurrent sweeper), so a collection caused by one contender's garbage does not land in
//     another's segment;
//   - each round runs one segment of every contender of a group, the order rotating round by
//     round, and records each one's CPU time per request (user + system, every thread: the
//     collections a contender's own allocations cause are charged to it);
//   - a difference (form minus floor, app minus bare app) is taken within each round, and the
//     median of those per-round differences is reported.
import { createHash } from 'node:crypto';
import { settle } from '../settle.js';

/** How many requests a store holds at most before it is emptied (every contender alike). */
export const STORE_BOUND = 1_000;

/** A contender whose store can be emptied. */
export interface Bounded {
  name: string;
  /** One request; empties the store first every {@link STORE_BOUND} requests. */
  fn: () => unknown;
  /** Empties the store (and restarts the count). */
  reset: () => void;
}

/** Wraps a request so that its store is emptied every {@link STORE_BOUND} requests. */
export function bounded(name: string, run: () => unknown, clear: () => void): Bounded {
  let count = 0;
  return {
    name,
    fn: () => {
      if (++count > STORE_BOUND) {
        count = 1;
        clear();
      }
      return run();
    },
    reset: () => {
      count = 0;
      clear();
    },
  };
}

const cpuNow = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

/** Per-round CPU time per request (ns) of every contender of a group. */
export type Rounds = Map<string, number[]>;

/**
 * Runs `rounds` rounds; in each, every contender (order rotating) gets its store emptied,
 * a settled heap, and `n` requests timed in CPU time. One warm-up round is not recorded.
 */
export async function pairedGroup(
  contenders: Bounded[],
  options: { rounds: number; n: number },
): Promise<Rounds> {
  const out: Rounds = new Map(contenders.map((c) => [c.name, []]));
  for (let round = -1; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + Math.max(round, 0)) % contenders.length] as Bounded;
      c.reset();
      await settle();
      const t0 = cpuNow();
      for (let i = 0; i < options.n; i++) {
        const r = c.fn();
        if (r instanceof Promise) await r;
      }
      const ns = ((cpuNow() - t0) * 1000) / options.n;
      if (round >= 0) out.get(c.name)?.push(ns);
    }
  }
  for (const c of contenders) c.reset();
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median over rounds of (a − b), each difference taken within one round (ns). */
export function medianDifference(rounds: Rounds, a: string, b: string): number {
  const x = rounds.get(a);
  const y = rounds.get(b);
  if (!x || !y) throw new Error(`medianDifference: unknown contender ${!x ? a : b}`);
  return median(x.map((v, i) => v - (y[i] as number)));
}

/** The first and third quartiles over rounds of (a − b), each taken within one round (ns). */
export function spreadOfDifference(rounds: Rounds, a: string, b: string): [number, number] {
  const x = rounds.get(a);
  const y = rounds.get(b);
  if (!x || !y) throw new Error(`spreadOfDifference: unknown contender ${!x ? a : b}`);
  const d = x.map((v, i) => v - (y[i] as number)).sort((p, q) => p - q);
  const at = (q: number) =>
    d[Math.min(d.length - 1, Math.floor(q * (d.length - 1) + 0.5))] as number;
  return [at(0.25), at(0.75)];
}

/** The median over rounds of one contender's CPU time per request (ns). */
export function medianOf(rounds: Rounds, name: string): number {
  const x = rounds.get(name);
  if (!x) throw new Error(`medianOf: unknown contender ${name}`);
  return median(x);
}

/** The method, in words, for the report. */
export const METHOD =
  `Method (the same rule for Brace, the floors, the bare apps and the peers): every store is emptied every ${STORE_BOUND.toLocaleString('en')} requests and before each measured segment, so all stores stay equally small; ` +
  'before each segment the heap is settled (two full gc(), 5 ms for the concurrent sweeper); ' +
  'each round runs one segment of every contender of the group, the order rotating, and records its CPU time per request (user + system, every thread, its own collections included); ' +
  'the own cost (form minus its least-work floor) and the added cost (app minus the bare app) are medians of differences taken within each round. ' +
  'Self-consistency: a form’s own cost must not exceed its added cost (the floor cannot cost less than no middleware).';

/**
 * The least-work floors' fingerprint: the default fingerprint's SHA-256 of `POST /orders`
 * and the body, computed synchronously with node:crypto (as the middleware computes its
 * default on Node), so that no floor waits a turn for a hash the middleware does not wait for.
 */
export function floorFingerprint(body: Uint8Array): string {
  return `sha256:${createHash('sha256').update('POST\n/orders\n').update(body).digest('base64url')}`;
}
