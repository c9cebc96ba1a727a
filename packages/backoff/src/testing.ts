/**
 * Test and benchmark helpers: a seeded random source, the strategy from Brooker's backoff study and a contention simulator to compare strategies without real waits.
 *
 * @module
 */
import { BackoffOptionError } from './errors.js';
import { exponential, type Strategy, safeDelay } from './strategies.js';
import { functionOption, numberOption } from './validate.js';

/**
 * A seeded pseudo-random generator (mulberry32): uniform numbers in [0, 1), the same
 * sequence for the same seed. For tests and simulations, never for secrets.
 *
 * @example
 * ```ts
 * import { retry } from '@brace/backoff';
 * import { seededRandom } from '@brace/backoff/testing';
 *
 * await retry(callApi, { random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Brooker's parameters: base 5 ms, cap 2,000 ms.
 *
 * @example
 * ```ts
 * import { BROOKER_BASE_MS } from '@brace/backoff/testing';
 *
 * console.log(BROOKER_BASE_MS);
 * ```
 */
export const BROOKER_BASE_MS = 5;
/**
 * Brooker's cap: 2,000 ms.
 *
 * @example
 * ```ts
 * import { BROOKER_CAP_MS } from '@brace/backoff/testing';
 *
 * console.log(BROOKER_CAP_MS);
 * ```
 */
export const BROOKER_CAP_MS = 2_000;

/**
 * The strategies of Brooker's post with his parameters (base 5 ms, cap 2 s) and his
 * numbering (the first retry waits up to `base · 2`), plus `'no-backoff'`.
 *
 * @example
 * ```ts
 * import { brookerStrategy, simulateContention } from '@brace/backoff/testing';
 *
 * simulateContention({ clients: 50, strategy: brookerStrategy('equal') });
 * ```
 */
export function brookerStrategy(
  kind: 'no-backoff' | 'none' | 'full' | 'equal' | 'decorrelated',
): Strategy {
  if (kind === 'no-backoff') return () => 0;
  const inner = exponential({ base: BROOKER_BASE_MS, cap: BROOKER_CAP_MS, jitter: kind });
  return (attempt, context) => inner(attempt + 1, context);
}

/** Options of {@link simulateContention}. */
export interface ContentionOptions {
  /** Clients that all start at time 0 and each want one write to commit (1–10,000). */
  clients: number;
  /** The backoff strategy every client uses after a failed write. */
  strategy: Strategy;
  /** PRNG seed; the same seed gives the same result. Default 1. */
  seed?: number;
  /** Independent runs averaged (1–1,000). Default 10. */
  runs?: number;
  /** Mean one-way network delay, in ms. Default 10. */
  networkMeanMs?: number;
  /** Standard deviation of the network delay, in ms. Default 2. */
  networkSdMs?: number;
}

/** What {@link simulateContention} reports, averaged over the runs. */
export interface ContentionResult {
  /** Write calls the server received per run (the work). */
  calls: number;
  /** Of those, writes that lost the race. */
  failures: number;
  /** Time until the last client's write committed, in ms (the duration). */
  completionMs: number;
  /** How many runs were averaged. */
  runs: number;
}

interface Event {
  at: number;
  seq: number;
  client: number;
  /** 0: read reaches server, 1: read reply reaches client, 2: write reaches server, 3: write reply reaches client. */
  kind: 0 | 1 | 2 | 3;
  /** The version read (kinds 1, 2) or the write's success (kind 3: 1/0). */
  value: number;
}

/** A binary min-heap on (at, seq). */
class Queue {
  readonly items: Event[] = [];
  push(e: Event): void {
    const items = this.items;
    items.push(e);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, items[parent] as Event)) break;
      items[i] = items[parent] as Event;
      i = parent;
    }
    items[i] = e;
  }
  pop(): Event | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= items.length) break;
      const r = l + 1;
      const child = r < items.length && before(items[r] as Event, items[l] as Event) ? r : l;
      if (!before(items[child] as Event, last)) break;
      items[i] = items[child] as Event;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Reproduces the contention experiment of Brooker's "Exponential Backoff and Jitter" (AWS
 * Architecture Blog, 2015): `clients` clients start together, each reads a row's version
 * and writes it back conditionally (optimistic concurrency); a write succeeds only if the
 * version is unchanged, otherwise the client backs off with `strategy` and starts over.
 * Every message crosses a network with delay `|N(mean, sd)|`. Returns the write calls and
 * the time until every client committed, averaged over `runs`; deterministic per `seed`.
 *
 * @example
 * ```ts
 * import { brookerStrategy, simulateContention } from '@brace/backoff/testing';
 *
 * const plain = simulateContention({ clients: 100, strategy: brookerStrategy('none'), seed: 7 });
 * const full = simulateContention({ clients: 100, strategy: brookerStrategy('full'), seed: 7 });
 * console.log(full.calls / plain.calls, plain.completionMs / full.completionMs);
 * ```
 */
export function simulateContention(options: ContentionOptions): ContentionResult {
  const clients = numberOption('clients', options.clients, 0, 1, 10_000, true);
  const strategy = functionOption('strategy', options.strategy);
  if (strategy === undefined) throw new BackoffOptionError('strategy', 'a function');
  const runs = numberOption('runs', options.runs, 10, 1, 1_000, true);
  const mean = numberOption('networkMeanMs', options.networkMeanMs, 10, 0, 60_000);
  const sd = numberOption('networkSdMs', options.networkSdMs, 2, 0, 60_000);
  const random = seededRandom(numberOption('seed', options.seed, 1, 0, 4_294_967_295, true));

  const network = (): number => {
    // Box–Muller; 1 - u keeps the logarithm finite.
    const u = 1 - random();
    const v = random();
    return Math.abs(mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };

  let calls = 0;
  let failures = 0;
  let totalTime = 0;
  const attempts = new Array<number>(clients);
  const previous = new Array<number>(clients);
  const context = { previous: 0, random };

  for (let run = 0; run < runs; run++) {
    const queue = new Queue();
    let seq = 0;
    let version = 0;
    let now = 0;
    attempts.fill(0);
    previous.fill(0);
    for (let c = 0; c < clients; c++) {
      queue.push({ at: network(), seq: seq++, client: c, kind: 0, value: 0 });
    }
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
      now = e.at;
      const c = e.client;
      switch (e.kind) {
        case 0: // the server answers a read with the current version
          queue.push({ at: now + network(), seq: seq++, client: c, kind: 1, value: version });
          break;
        case 1: // the client writes back the version it read
          queue.push({ at: now + network(), seq: seq++, client: c, kind: 2, value: e.value });
          break;
        case 2: {
          calls++;
          const ok = e.value === version;
          if (ok) version++;
          else failures++;
          queue.push({ at: now + network(), seq: seq++, client: c, kind: 3, value: ok ? 1 : 0 });
          break;
        }
        default: {
          if (e.value === 1) break; // committed: this client is done
          const attempt = (attempts[c] as number) + 1;
          attempts[c] = attempt;
          context.previous = previous[c] as number;
          const wait = safeDelay(strategy(attempt, context));
          previous[c] = wait;
          queue.push({ at: now + network() + wait, seq: seq++, client: c, kind: 0, value: 0 });
        }
      }
    }
    totalTime += now;
  }
  return { calls: calls / runs, failures: failures / runs, completionMs: totalTime / runs, runs };
}
