// @brace/backoff: the cost of retry() on success, Brooker's contention simulation, and retry
// amplification against a loopback server that fails every request.
import { constant, createCircuitBreaker, createRetryBudget, retry } from '@brace/backoff';
import { axiosBackoff } from '@brace/backoff/axios';
import { backoffHooks, backoffRetry } from '@brace/backoff/ky';
import { brookerStrategy, simulateContention } from '@brace/backoff/testing';
import axios from 'axios';
import axiosRetry from 'axios-retry';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  retry as cockatielRetry,
  ExponentialBackoff,
  handleAll,
} from 'cockatiel';
import { backOff } from 'exponential-backoff';
import ky from 'ky';
import OpossumBreaker from 'opossum';
import pRetry from 'p-retry';
import { compare } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { loopback, nsOf, times } from '../util.js';

const SUITE = 'backoff';

/** Brooker's numbers at 100 clients, re-run (SPECS.md): calls / completion ms. */
const BROOKER_100: Record<string, [number, number]> = {
  'no-backoff': [2421, 2027],
  none: [1853, 62862],
  full: [797, 4879],
  equal: [812, 6658],
  decorrelated: [1002, 4530],
};
const KINDS = ['no-backoff', 'none', 'full', 'equal', 'decorrelated'] as const;
const LABEL: Record<(typeof KINDS)[number], string> = {
  'no-backoff': 'no backoff',
  none: 'exponential, no jitter',
  full: 'full jitter',
  equal: 'equal jitter',
  decorrelated: 'decorrelated jitter',
};

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const lines: string[] = [];

  // 1. retry() on a function that succeeds at once.
  const fn = async () => 1;
  const cockatiel = cockatielRetry(handleAll, {
    maxAttempts: 2,
    backoff: new ExponentialBackoff(),
  });
  let sink = 0;
  const success = await compare(
    SUITE,
    'retry() on a function that succeeds (async, returns at once)',
    [
      {
        name: 'Brace retry(fn)',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await retry(fn);
        },
      },
      {
        name: 'Brace retry(fn, { attempts: 3 })',
        fn: () => {},
        batch: async (n) => {
          const o = { attempts: 3 };
          for (let i = 0; i < n; i++) sink += await retry(fn, o);
        },
      },
      {
        name: 'direct await fn()',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await fn();
        },
      },
      {
        name: 'cockatiel',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await cockatiel.execute(fn);
        },
      },
      {
        name: 'p-retry',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await pRetry(fn, { retries: 2 });
        },
      },
      {
        name: 'exponential-backoff',
        fn: () => {},
        batch: async (n) => {
          const o = { numOfAttempts: 3 };
          for (let i = 0; i < n; i++) sink += await backOff(fn, o);
        },
      },
    ],
    opts,
  );
  void sink;
  const direct = nsOf(success, 'direct await fn()');
  const brace = nsOf(success, 'Brace retry(fn)');
  const added = brace - direct;
  const peers = ['cockatiel', 'p-retry', 'exponential-backoff'].map((p) => ({
    p,
    added: nsOf(success, p) - direct,
  }));
  const cheapest = peers.reduce((a, b) => (a.added < b.added ? a : b));
  target(
    SUITE,
    'retry() on a succeeding function adds ≤ 0.1 µs per call',
    `+${(added / 1000).toFixed(3)} µs (direct ${(direct / 1000).toFixed(3)} µs, retry ${(brace / 1000).toFixed(3)} µs)`,
    added <= 100,
  );
  target(
    SUITE,
    'retry() on success is cheaper than every peer in the same run',
    `Brace +${(added / 1000).toFixed(3)} µs; ${peers.map((x) => `${x.p} +${(x.added / 1000).toFixed(3)} µs`).join(', ')}`,
    added < cheapest.added,
  );

  // 1b. A circuit breaker around a function that succeeds.
  const braceBreaker = createCircuitBreaker();
  const opossum = new OpossumBreaker(fn, { timeout: false });
  const cockatielBreaker = circuitBreaker(handleAll, {
    halfOpenAfter: 5_000,
    breaker: new ConsecutiveBreaker(5),
  });
  const breakers = await compare(
    SUITE,
    'circuit breaker execute on a function that succeeds',
    [
      {
        name: 'Brace breaker.execute(fn)',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await braceBreaker.execute(fn);
        },
      },
      {
        name: 'direct await fn()',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await fn();
        },
      },
      {
        name: 'opossum breaker.fire()',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += (await opossum.fire()) as number;
        },
      },
      {
        name: 'cockatiel circuitBreaker(ConsecutiveBreaker).execute',
        fn: () => {},
        batch: async (n) => {
          for (let i = 0; i < n; i++) sink += await cockatielBreaker.execute(fn);
        },
      },
    ],
    opts,
  );
  opossum.shutdown();

  // 2. Brooker's contention simulation.
  const runs = ctx.smoke ? 1 : ctx.quick ? 3 : 10;
  lines.push(
    '#### Contention simulator (Brooker’s setup: base 5 ms, cap 2 s, network |N(10, 2)| ms)',
    '',
    `\`simulateContention\` from \`@brace/backoff/testing\`, seed 1, ${runs} run(s) averaged. Brooker’s own numbers (SPECS.md) exist for 100 clients only.`,
    '',
    '| strategy | 50 clients: calls / ms | 100 clients: calls / ms | Brooker, 100: calls / ms | 190 clients: calls / ms |',
    '|---|---:|---:|---:|---:|',
  );
  const at100: Record<string, { calls: number; completionMs: number }> = {};
  for (const kind of KINDS) {
    const cells: string[] = [];
    for (const clients of [50, 100, 190]) {
      const r = simulateContention({ clients, strategy: brookerStrategy(kind), seed: 1, runs });
      if (clients === 100) at100[kind] = r;
      cells.push(`${r.calls.toFixed(0)} / ${r.completionMs.toFixed(0)}`);
      if (clients === 100) {
        const [c, t] = BROOKER_100[kind]!;
        cells.push(`${c} / ${t}`);
      }
    }
    lines.push(`| ${LABEL[kind]} | ${cells.join(' | ')} |`);
  }
  const callsRatio = at100.full!.calls / at100.none!.calls;
  const speedup = at100.none!.completionMs / at100.full!.completionMs;
  target(
    SUITE,
    'simulator, 100 clients: full jitter ≤ 0.5× the calls of un-jittered exponential and ≥ 5× sooner',
    `${times(callsRatio)} the calls, ${times(speedup, 1)} sooner (Brooker: 0.43×, 12.9×)`,
    callsRatio <= 0.5 && speedup >= 5,
  );
  lines.push('');

  // 3. Retry amplification against a server failing every request.
  lines.push(...(await amplification(ctx.smoke ? 60 : ctx.quick ? 400 : 3000, ctx.smoke)));

  return {
    title: 'backoff',
    workloads: [success, breakers],
    extra: lines.join('\n'),
    libraries: [
      'cockatiel',
      'p-retry',
      'exponential-backoff',
      'ky',
      'axios',
      'axios-retry',
      'opossum',
    ],
  };
};

async function amplification(requests: number, smoke: boolean): Promise<string[]> {
  let hits = 0;
  const server = await loopback((_req, res) => {
    hits++;
    res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '11' });
    res.end('unavailable');
  });
  const rows: string[] = [];
  const run = async (
    name: string,
    count: number,
    concurrency: number,
    one: () => Promise<unknown>,
    note: string,
  ) => {
    hits = 0;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
          next++;
          await one().catch(() => undefined);
        }
      }),
    );
    const ms = performance.now() - t0;
    rows.push(
      `| ${name} | ${count} | ${hits} | ${(hits / count).toFixed(3)}× | ${(ms / 1000).toFixed(1)} s | ${note} |`,
    );
    return hits / count;
  };
  try {
    // Brace: the issue's budget (ratio 0.1, floor 10 retries/s) over a 1 s window, the
    // default jittered strategy, 3 attempts, ky with backoffRetry + backoffHooks.
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 10, windowMs: 1000 });
    const brace = ky.create({
      prefix: server.url,
      retry: backoffRetry({ attempts: 3, budget }),
      hooks: backoffHooks({ budget }),
      timeout: false,
    });
    const braceRatio = await run(
      'Brace: backoffRetry + backoffHooks, createRetryBudget({ ratio: 0.1, minPerSecond: 10, windowMs: 1000 })',
      requests,
      50,
      () => brace.get('x').text(),
      '3 attempts max, default full-jitter strategy; sustained load, 50 in flight',
    );
    const floorFree = createRetryBudget({ ratio: 0.1, minPerSecond: 0, windowMs: 1000 });
    const braceNoFloor = ky.create({
      prefix: server.url,
      retry: backoffRetry({ attempts: 3, budget: floorFree, strategy: constant(1) }),
      hooks: backoffHooks({ budget: floorFree }),
      timeout: false,
    });
    await run(
      'Brace, same with minPerSecond: 0 (ratio alone)',
      requests,
      50,
      () => braceNoFloor.get('x').text(),
      'the floor is a minimum, not an addend: under load it changes nothing',
    );
    const axiosBudget = createRetryBudget({ ratio: 0.1, minPerSecond: 10, windowMs: 1000 });
    const braceAxios = axios.create({ baseURL: server.url });
    axiosBackoff(braceAxios, { attempts: 3, budget: axiosBudget });
    await run(
      'Brace axiosBackoff(axios, { attempts: 3, budget }) (same budget settings)',
      requests,
      50,
      () => braceAxios.get('x'),
      'the axios interceptor pair; sustained load, 50 in flight',
    );
    const axCount = smoke ? 20 : Math.min(requests, 300);
    const plainAxios = axios.create({ baseURL: server.url });
    axiosRetry(plainAxios, { retries: 2, retryDelay: () => 10 });
    await run(
      'axios-retry { retries: 2, retryDelay: 10 ms }',
      axCount,
      axCount,
      () => plainAxios.get('x'),
      'axios-retry has no budget: every failing request is retried to its limit (3×)',
    );
    const kyCount = smoke ? 20 : Math.min(requests, 300);
    const plain = ky.create({ prefix: server.url });
    const kyRatio = await run(
      'ky defaults (limit 2, 0.3 s · 2^(n−1) delays)',
      kyCount,
      kyCount,
      () => plain.get('x').text(),
      'all in flight at once (its delays would make a sustained run long)',
    );
    const pCount = smoke ? 20 : Math.min(requests, 300);
    await run(
      'p-retry { retries: 2, minTimeout: 10 } around fetch',
      pCount,
      pCount,
      () =>
        pRetry(
          async () => {
            const r = await fetch(`${server.url}x`);
            await r.text();
            if (!r.ok) throw new Error(`HTTP ${r.status}`);
          },
          { retries: 2, minTimeout: 10, maxTimeout: 20 },
        ),
      'p-retry’s default is 10 retries (11× here) with 1 s·2ⁿ waits; set to ky’s limit to compare',
    );
    // The issue's 1.1× is Google SRE's "~1.1×" for a 10% ratio; under load the floor is inert.
    target(
      'backoff',
      'against a loopback server failing 100% of requests, the budget keeps attempts ≤ 1.1× requests (ky defaults: 3×)',
      `${braceRatio.toFixed(3)}× (ky defaults ${kyRatio.toFixed(2)}×, ${requests} requests)`,
      Number(braceRatio.toFixed(2)) <= 1.1,
    );
  } finally {
    await server.close();
  }
  return [
    '#### Retry amplification: a loopback server answering 503 to every request',
    '',
    '| client | requests | attempts the server saw | attempts / request | time | notes |',
    '|---|---:|---:|---:|---:|---|',
    ...rows,
    '',
    'The target is judged at two decimals (Google SRE’s “~1.1×” for a 10% budget). The floor of `minPerSecond` retries per second is a minimum, not an addend: it lets a quiet client retry and changes nothing under sustained load.',
  ];
}

export default suite;
